import { MIGRATIONS, type MigrationClass } from '@docat/database';

/** The auth schema's committed migrations, from the one registry `npm run migrate` runs. */
export const AUTH_MIGRATIONS: readonly MigrationClass[] = MIGRATIONS.auth;
