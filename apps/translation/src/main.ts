import { EVENTS, QUEUES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { TranslationModule } from './translation.module.js';

const lockMs = Number(process.env.DOCAT_WORKER_LOCK_MS) || undefined;

await runService({
  service: 'translation',
  module: TranslationModule.register(lockMs ? { lockMs } : {}),
  claims: { patterns: [EVENTS.JOB_CANCEL_REQUESTED], queues: [QUEUES.TRANSLATE] },
});
