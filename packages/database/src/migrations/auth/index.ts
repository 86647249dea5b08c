import type { MigrationClass } from '../../data-source.js';
import { AuthBaseline1767225600000 } from './1767225600000-auth-baseline.js';
import { AuthAccounts1767225700000 } from './1767225700000-auth-accounts.js';
import { AuthIdentity1767225800000 } from './1767225800000-auth-identity.js';
import { AuthCredits1767226100000 } from './1767226100000-auth-credits.js';
import { AuthErasedAccounts1767227200000 } from './1767227200000-auth-erased-accounts.js';
import { AuthCreditBalances1767227300000 } from './1767227300000-auth-credit-balances.js';
import { AuthReserveCreditsBatch1767227350000 } from './1767227350000-auth-reserve-credits-batch.js';

/**
 * Migrations of the `auth` schema, oldest first. To add one: create
 * `<Date.now()>-<name>.ts` in this folder exporting a class named `<Name><timestamp>`
 * (with the same string in its `name` field) and append it here. Never edit or remove a
 * released migration; write a new one.
 */
export const authMigrations: readonly MigrationClass[] = [
  AuthBaseline1767225600000,
  AuthAccounts1767225700000,
  AuthIdentity1767225800000,
  AuthCredits1767226100000,
  AuthErasedAccounts1767227200000,
  AuthCreditBalances1767227300000,
  AuthReserveCreditsBatch1767227350000,
];
