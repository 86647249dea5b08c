import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { QUEUES, makeEnvelope } from '@docat/contracts';
import { BullMqQueue } from '@docat/queue';
import {
  E2E_ADMIN,
  clusterOnly,
  corpusFile,
  requireCorpus,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('issue16538.pdf');

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe(
  'retention of inactive accounts (cluster only: ages an account in the database and runs the scheduled sweep at once)',
  { skip: corpus.skip || clusterOnly() },
  () => {
    let lease: ClusterLease;
    let db: pg.Client;

    before(async () => {
      lease = await useCluster();
      db = new pg.Client({ connectionString: lease.cluster.env.DATABASE_URL });
      await db.connect();
    });
    after(async () => {
      await db?.end();
      await lease?.release();
    });

    async function count(sql: string, params: unknown[]): Promise<number> {
      return Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
    }

    test('an account unused for longer than RETENTION_ACCOUNTS is erased with its jobs and files; active accounts and admins stay', async () => {
      const idle = new DocatApi(lease.cluster.gateways);
      await idle.registerFresh();
      const idleId = (await idle.request<{ id: string }>('GET', '/v1/me')).body.id;
      const upload = await idle.uploadFile(corpusFile('issue16538.pdf'), { outputs: 'md' });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      assert.equal((await idle.waitFinished(upload.body.id)).state, 'completed');
      const active = new DocatApi(lease.cluster.gateways);
      await active.registerFresh();
      const activeId = (await active.request<{ id: string }>('GET', '/v1/me')).body.id;

      // Eight years without a session or API key in use (the default limit is seven).
      await db.query(
        `UPDATE auth.users SET created_at = now() - interval '8 years' WHERE id = $1`,
        [idleId],
      );
      await db.query(
        `UPDATE auth.sessions SET created_at = now() - interval '8 years', last_used_at = now() - interval '8 years' WHERE user_id = $1`,
        [idleId],
      );
      assert.equal(
        await count(`SELECT count(*) AS n FROM ingestion.jobs WHERE user_id = $1`, [idleId]),
        1,
      );
      // The administrator looks just as idle, and must stay all the same.
      await db.query(
        `UPDATE auth.users SET created_at = now() - interval '8 years' WHERE email = $1`,
        [E2E_ADMIN.email],
      );
      await db.query(
        `UPDATE auth.sessions SET last_used_at = now() - interval '8 years' WHERE user_id = (SELECT id FROM auth.users WHERE email = $1)`,
        [E2E_ADMIN.email],
      );

      const queue = new BullMqQueue({
        redis: lease.cluster.redisUrl,
        keyPrefix: `${lease.cluster.redisPrefix}:q`,
      });
      try {
        await queue.enqueue(
          QUEUES.MAINTENANCE,
          makeEnvelope(QUEUES.MAINTENANCE, 1, { task: 'retention' }),
          { jobId: `retention:e2e:${randomBytes(4).toString('hex')}` },
        );
        await until(
          async () =>
            (await count(`SELECT count(*) AS n FROM auth.users WHERE id = $1`, [idleId])) === 0,
          'the idle account to be erased',
        );
      } finally {
        await queue.stop();
      }

      assert.equal(
        await count(`SELECT count(*) AS n FROM ingestion.jobs WHERE user_id = $1`, [idleId]),
        0,
        'its jobs went first',
      );
      assert.equal(
        await count(`SELECT count(*) AS n FROM auth.users WHERE id = $1`, [activeId]),
        1,
        'an active account stays',
      );
      assert.equal(
        await count(`SELECT count(*) AS n FROM auth.users WHERE email = $1`, [E2E_ADMIN.email]),
        1,
        'the administrator stays',
      );
      assert.equal((await active.request('GET', '/v1/me')).status, 200);
    });
  },
);
