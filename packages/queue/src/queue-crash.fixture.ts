/**
 * A worker process for the crash test: it takes one job, reports it on stdout and hangs
 * until the test kills it with SIGKILL. Configured by environment only.
 */
import { QUEUES, type QueueName } from '@docat/contracts';
import { BullMqQueue } from './bullmq.queue.js';
import { PgBossQueue } from './pg-boss.queue.js';
import type { QueuePort } from './queue.port.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const adapter = env('DOCAT_FIXTURE_ADAPTER');
const url = env('DOCAT_FIXTURE_URL');
const namespace = env('DOCAT_FIXTURE_NAMESPACE');
const lockMs = Number(env('DOCAT_FIXTURE_LOCK_MS'));
const queueName = env('DOCAT_FIXTURE_QUEUE') as QueueName;
if (!Object.values(QUEUES).includes(queueName)) throw new Error(`unknown queue ${queueName}`);

const queue: QueuePort =
  adapter === 'bullmq'
    ? new BullMqQueue({ redis: url, keyPrefix: namespace })
    : new PgBossQueue({ connectionString: url, schema: namespace, pollingIntervalMs: 500, lockMs });

await queue.work(
  queueName,
  async (job) => {
    process.stdout.write(`started ${job.id} ${job.attempt}\n`);
    await new Promise<never>(() => undefined);
  },
  { lockMs },
);
process.stdout.write('ready\n');
