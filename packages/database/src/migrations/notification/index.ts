import type { MigrationClass } from '../../data-source.js';
import { NotificationBaseline1767225600000 } from './1767225600000-notification-baseline.js';

/**
 * Migrations of the `notification` schema, oldest first. To add one: create
 * `<Date.now()>-<name>.ts` in this folder exporting a class named `<Name><timestamp>`
 * (with the same string in its `name` field) and append it here. Never edit or remove a
 * released migration; write a new one.
 */
export const notificationMigrations: readonly MigrationClass[] = [
  NotificationBaseline1767225600000,
];
