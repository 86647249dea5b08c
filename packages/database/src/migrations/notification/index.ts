import type { MigrationClass } from '../../data-source.js';
import { NotificationBaseline1767225600000 } from './1767225600000-notification-baseline.js';
import { NotificationEventLog1767225900000 } from './1767225900000-notification-event-log.js';
import { NotificationWebhooks1767226000000 } from './1767226000000-notification-webhooks.js';

/**
 * Migrations of the `notification` schema, oldest first. To add one: create
 * `<Date.now()>-<name>.ts` in this folder exporting a class named `<Name><timestamp>`
 * (with the same string in its `name` field) and append it here. Never edit or remove a
 * released migration; write a new one.
 */
export const notificationMigrations: readonly MigrationClass[] = [
  NotificationBaseline1767225600000,
  NotificationEventLog1767225900000,
  NotificationWebhooks1767226000000,
];
