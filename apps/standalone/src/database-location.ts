// Shared with the CLI's backup and restore through @docat/database.
export { embeddedDatabaseDir, EMBEDDED_DATABASE_NAME } from '@docat/database';
