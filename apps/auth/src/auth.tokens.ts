/** The TypeORM DataSource bound to the `auth` schema. */
export const AUTH_DATA_SOURCE = Symbol('AUTH_DATA_SOURCE');
/** The keyring that encrypts signing keys at rest (`Keyring` from @docat/config). */
export const AUTH_KEYRING = Symbol('AUTH_KEYRING');
/** `AuthSettings`: the part of the configuration auth reads. */
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
/** The `Mailer` account emails go through. */
export const MAILER = Symbol('MAILER');

export interface AuthSettings {
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  registration: 'open' | 'invite' | 'closed';
  adminEmail?: string;
  adminPassword?: string;
  /** How long one signing key signs before the next is generated. */
  signingKeyRotationMs: number;
  /** Base of the links in account emails, without a trailing slash. */
  publicUrl: string;
  passwordResetTtlMs: number;
  emailVerificationTtlMs: number;
}
/** `SigningKeyTiming` (publish lead of a new signing key). */
export const SIGNING_KEY_TIMING = Symbol('SIGNING_KEY_TIMING');
