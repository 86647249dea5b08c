export * from './queue.port.js';
export { stableJobId } from './job-id.js';
export { BullMqQueue, type BullMqQueueOptions } from './bullmq.queue.js';
export { PgBossQueue, type PgBossQueueOptions } from './pg-boss.queue.js';
