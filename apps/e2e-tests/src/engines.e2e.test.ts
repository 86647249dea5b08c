import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster, type ClusterLease } from '@docat/testing';

interface EngineItem {
  name: string;
  offline: boolean;
  default: boolean;
  languages: { source: string[]; target: string[] };
  health: { ok: boolean };
}

describe('engines and languages through the gateways', () => {
  let lease: ClusterLease;
  before(async () => {
    lease = await useCluster();
  });
  after(() => lease?.release());

  test('GET /v1/engines answers what the translation service has configured, with languages and health', async () => {
    for (const gateway of lease.cluster.gateways) {
      const res = await fetch(new URL('/v1/engines', gateway));
      assert.equal(res.status, 200, gateway);
      const body = (await res.json()) as { items: EngineItem[] };
      const pseudo = body.items.find((e) => e.name === 'pseudo');
      assert.ok(pseudo, JSON.stringify(body));
      assert.equal(pseudo.offline, true);
      assert.equal(pseudo.health.ok, true);
      assert.ok(pseudo.languages.target.includes('ja'), JSON.stringify(pseudo.languages));
      // The cluster has no engine keys: pseudo is the only engine and the default.
      assert.deepEqual(
        body.items.map((e) => e.name),
        ['pseudo'],
      );
      assert.equal(pseudo.default, true);
    }
    const languages = (await (
      await fetch(new URL('/v1/languages', lease.cluster.gateways[0]))
    ).json()) as { items: { code: string; rtl: boolean }[] };
    assert.equal(languages.items.find((l) => l.code === 'ar')?.rtl, true);
  });
});
