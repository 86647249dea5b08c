import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GlossaryDetail, GlossaryView } from '@docat/contracts';
import { corpusFile, requireCorpus, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('tracemonkey.pdf');

describe('glossaries and translation memory through the gateways', { skip: corpus.skip }, () => {
  let lease: ClusterLease;
  let owner: DocatApi;
  let stranger: DocatApi;

  before(async () => {
    lease = await useCluster();
    owner = new DocatApi(lease.cluster.gateways);
    stranger = new DocatApi(lease.cluster.gateways);
    await Promise.all([owner.registerFresh(), stranger.registerFresh()]);
  });
  after(() => lease?.release());

  test('create, use on an upload, see the term translated, export and purge memory, delete', async () => {
    const created = await owner.request<GlossaryView>('POST', '/v1/glossaries', {
      json: { name: 'terms', sourceLanguage: 'en', targetLanguage: 'de', csv: 'term,translation\nJavaScript,JavaSkriptSprache\n' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    assert.equal(created.body.entryCount, 1);

    const bad = await owner.request('POST', '/v1/glossaries', { json: { sourceLanguage: 'en', targetLanguage: 'de', csv: 'no pairs here' } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal((await stranger.request('GET', `/v1/glossaries/${id}`)).status, 404);
    assert.equal((await stranger.request('DELETE', `/v1/glossaries/${id}`)).status, 404);
    const listed = await owner.request<{ items: GlossaryView[] }>('GET', '/v1/glossaries');
    assert.deepEqual(listed.body.items.map((g) => g.id), [id]);
    const detail = await owner.request<GlossaryDetail>('GET', `/v1/glossaries/${id}`);
    assert.deepEqual(detail.body.entries, [{ term: 'JavaScript', translation: 'JavaSkriptSprache' }]);

    const upload = await owner.uploadFile(corpusFile('tracemonkey.pdf'), { pages: '1', outputs: 'md', glossaryId: id, noCache: 'true' });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const done = await owner.waitFinished(upload.body.id);
    assert.equal(done.state, 'completed', JSON.stringify(done.error));
    const md = await owner.result(upload.body.id, 'md');
    assert.equal(md.status, 200);
    assert.match(md.body, /JavaSkriptSprache/);

    // Someone else's glossary id on an upload fails the job as if the glossary did not exist.
    const foreign = await stranger.uploadFile(corpusFile('tracemonkey.pdf'), { pages: '1', outputs: 'md', glossaryId: id, noCache: 'true' });
    assert.equal(foreign.status, 202, JSON.stringify(foreign.body));
    const failed = await stranger.waitFinished(foreign.body.id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error?.code, 'NOT_FOUND');

    const tmx = await owner.request<string>('GET', '/v1/memory/tmx');
    assert.equal(tmx.status, 200);
    assert.match(tmx.body, /<tu\b/);
    assert.equal((await stranger.request<string>('GET', '/v1/memory/tmx')).body.includes('<tu'), false, 'memory is private to each account');
    const purged = await owner.request<{ removed: number }>('DELETE', '/v1/memory');
    assert.equal(purged.status, 200);
    assert.ok(purged.body.removed > 0);
    assert.doesNotMatch((await owner.request<string>('GET', '/v1/memory/tmx')).body, /<tu\b/);

    assert.equal((await owner.request('DELETE', `/v1/glossaries/${id}`)).status, 204);
    assert.equal((await owner.request('GET', `/v1/glossaries/${id}`)).status, 404);
  });

  test('edit: name, languages, entries and a CSV re-import; another user\'s id and bad input are refused', async () => {
    const created = await owner.request<GlossaryView>('POST', '/v1/glossaries', {
      json: { name: 'draft', sourceLanguage: 'en', targetLanguage: 'de', csv: 'cloud,Wolke\nengine,Motor\n' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const patch = (api: DocatApi, json: unknown) => api.request<GlossaryView & { code?: string }>('PATCH', `/v1/glossaries/${id}`, { json });

    const foreign = await patch(stranger, { name: 'mine now' });
    assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
    assert.equal(foreign.body.code, 'NOT_FOUND');
    assert.equal((await patch(stranger, { entries: [] })).status, 404);

    const renamed = await patch(owner, { name: 'final' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'final');
    assert.equal(renamed.body.version, created.body.version, 'a new name keeps the content version');

    const edited = await patch(owner, { entries: [{ term: 'cloud', translation: 'Rechnerwolke' }, { term: 'queue', translation: 'Warteschlange' }] });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.entryCount, 2);
    assert.notEqual(edited.body.version, created.body.version);
    assert.ok(edited.body.updatedAt >= created.body.createdAt);
    const afterEdit = await owner.request<GlossaryDetail>('GET', `/v1/glossaries/${id}`);
    assert.deepEqual(afterEdit.body.entries, [
      { term: 'cloud', translation: 'Rechnerwolke' },
      { term: 'queue', translation: 'Warteschlange' },
    ]);

    const moved = await patch(owner, { targetLanguage: 'fr', csv: 'term,translation\ncloud,nuage\n' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.sourceLanguage, moved.body.targetLanguage, moved.body.entryCount], ['en', 'fr', 1]);

    for (const [body, why] of [
      [{}, 'nothing to change'],
      [{ csv: 'a,b', entries: [] }, 'csv and entries together'],
      [{ entries: [{ term: 'a', translation: 'b' }, { term: 'a', translation: 'c' }] }, 'a duplicate term'],
      [{ csv: 'only one field' }, 'a CSV row of the wrong width'],
      [{ targetLanguage: 'xx-nope' }, 'an unknown language'],
    ] as const) {
      const refused = await patch(owner, body);
      assert.equal(refused.status, 400, `${why}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.code, 'VALIDATION_FAILED', why);
    }
    const unchanged = await owner.request<GlossaryDetail>('GET', `/v1/glossaries/${id}`);
    assert.deepEqual(unchanged.body.entries, [{ term: 'cloud', translation: 'nuage' }], 'a refused edit changes nothing');
    assert.equal((await owner.request('PATCH', '/v1/glossaries/not-a-uuid', { json: { name: 'x' } })).status, 400);
    assert.equal((await owner.request('DELETE', `/v1/glossaries/${id}`)).status, 204);
    assert.equal((await patch(owner, { name: 'gone' })).status, 404);
    assert.equal((await owner.request('GET', `/v1/glossaries/${id}`)).status, 404);
  });
});
