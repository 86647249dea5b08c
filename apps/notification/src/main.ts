import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { NOTIFICATION_CLAIMS, NotificationModule } from './notification.module.js';

await runService({
  service: SERVICES.NOTIFICATION,
  module: NotificationModule.register(),
  claims: NOTIFICATION_CLAIMS,
});
