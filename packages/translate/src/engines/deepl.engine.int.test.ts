import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEngineConformance } from '../testing/engine-conformance.js';
import { FakeDeepLServer } from '../testing/fake-deepl.js';
import { DeepLEngine } from './deepl.engine.js';

describeEngineConformance({
  label: 'deepl',
  server: (options) => new FakeDeepLServer(options),
  engine: (server) => new DeepLEngine({ authKeys: ['test-deepl-key:fx'], serverUrl: server.url }),
  protocol: 'mt',
  seesRetryAfter: false,
  glossaryCheck: (server) => {
    assert.equal(server.glossaries.size, 1, 'one native glossary created');
    const params = server.translateParams.at(-1)!;
    assert.ok(params.get('glossary_id'));
    assert.equal(params.get('tag_handling'), 'xml');
    assert.ok(
      params.getAll('text').some((t) => t.includes('Revenue')),
      'terms go to DeepL as text, not placeholders',
    );
  },
});

test('deepl sends formality and reuses its glossary', async () => {
  const server = await new FakeDeepLServer().start();
  try {
    const engine = new DeepLEngine({ authKeys: ['test-deepl-key:fx'], serverUrl: server.url });
    const glossary = [{ term: 'you', translation: 'Sie' }];
    await engine.translateBatch({
      source: 'en',
      target: 'de',
      segments: [{ id: 'a', text: 'Thank you.' }],
      formality: 'more',
      glossary,
    });
    await engine.translateBatch({
      source: 'en',
      target: 'de',
      segments: [{ id: 'b', text: 'See you.' }],
      formality: 'more',
      glossary,
    });
    assert.equal(server.glossaries.size, 1);
    assert.equal(server.translateParams[0]!.get('formality'), 'prefer_more');
  } finally {
    await server.close();
  }
});
