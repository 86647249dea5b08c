import { randomBytes } from 'node:crypto';
import { deleteKeysWithPrefix, redisUrl } from '@docat/testing';
import { BullMqQueue } from './bullmq.queue.js';
import { queueContract } from './queue.contract.js';

queueContract('BullMqQueue', async () => {
  const url = redisUrl();
  const keyPrefix = `docat-test-${randomBytes(6).toString('hex')}`;
  return {
    open: async () => new BullMqQueue({ redis: url, keyPrefix }),
    childEnv: {
      DOCAT_FIXTURE_ADAPTER: 'bullmq',
      DOCAT_FIXTURE_URL: url,
      DOCAT_FIXTURE_NAMESPACE: keyPrefix,
      DOCAT_FIXTURE_LOCK_MS: '1000',
    },
    // The stalled-job check of the surviving worker (lockMs 1 s) reclaims the job.
    afterCrash: async () => undefined,
    cleanup: async () => {
      await deleteKeysWithPrefix(url, `{${keyPrefix}:`);
    },
  };
});
