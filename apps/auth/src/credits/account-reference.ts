import { createHash } from 'node:crypto';

/**
 * The anonymous reference that stands for an account in the audit log, and in its
 * billing records once the account is erased. It is derived from the account id (a
 * random UUID), so records of one account stay together, but it names no person and
 * cannot be turned back into the id.
 */
export function accountReference(userId: string): string {
  return `acct_${createHash('sha256').update(`docat-account:${userId}`).digest('hex').slice(0, 32)}`;
}
