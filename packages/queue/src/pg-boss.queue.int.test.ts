import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freshDatabase, type FreshDatabase } from '@docat/testing';
import { PgBossQueue } from './pg-boss.queue.js';
import { queueContract } from './queue.contract.js';

let db: FreshDatabase;
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db.drop();
});

queueContract('PgBossQueue', async () => {
  const schema = `q_${randomBytes(6).toString('hex')}`;
  return {
    open: async () => new PgBossQueue({ connectionString: db.url, schema, pollingIntervalMs: 500 }),
    childEnv: {
      DOCAT_FIXTURE_ADAPTER: 'pg-boss',
      DOCAT_FIXTURE_URL: db.url,
      DOCAT_FIXTURE_NAMESPACE: schema,
      DOCAT_FIXTURE_LOCK_MS: '10000',
    },
    afterCrash: async (queue) => {
      assert.ok(queue instanceof PgBossQueue);
      assert.equal(await queue.recoverActive(), 1);
    },
    // The database is dropped whole after the file.
    cleanup: async () => undefined,
  };
});
