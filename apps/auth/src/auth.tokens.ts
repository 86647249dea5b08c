/** The TypeORM DataSource bound to the `auth` schema. */
export const AUTH_DATA_SOURCE = Symbol('AUTH_DATA_SOURCE');
/** The keyring that encrypts signing keys at rest (`Keyring` from @docat/config). */
export const AUTH_KEYRING = Symbol('AUTH_KEYRING');
/** `AuthSettings`: the part of the configuration auth reads. */
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

export interface AuthSettings {
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  registration: 'open' | 'invite' | 'closed';
  adminEmail?: string;
  adminPassword?: string;
}
