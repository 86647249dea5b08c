import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * argon2id with the OWASP baseline (19 MiB, 2 passes, 1 lane). Hashing runs on the
 * libuv thread pool, so the event loop keeps serving while a login is checked.
 */
const PARAMS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return hash(password, PARAMS);
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    }
  }

  /** Spend the same time as a real check, so a login for an unknown email is not faster. */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= this.hash('docat-timing-equaliser');
    await this.verify(await this.dummy, password);
    return false;
  }
}
