import { EVENTS, RPC } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { NotificationModule } from './notification.module.js';

await runService({
  service: 'notification',
  module: NotificationModule.register(),
  claims: {
    patterns: [RPC.NOTIFY_EVENTS, EVENTS.JOB_STATE_CHANGED, EVENTS.JOB_PROGRESS, EVENTS.JOB_COMPLETED, EVENTS.JOB_FAILED, EVENTS.JOB_CANCELLED],
  },
});
