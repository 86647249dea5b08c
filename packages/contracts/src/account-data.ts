import { z } from 'zod';
import { ledgerEntrySchema, usageSchema } from './credits.js';

/**
 * "Your data": `GET /v1/me/export` and `DELETE /v1/me`. The gateway gathers the export
 * from each owning service and asks each to erase what it holds of the account; auth
 * erases the account last, keeping only anonymised billing records.
 */

const userRef = z.object({ userId: z.string().min(1).max(64) });

/** What auth holds of an account, for the export (the account view is `auth.me`'s). */
export const accountExportSchema = z.object({
  usage: usageSchema,
  ledger: z.array(ledgerEntrySchema),
});
export type AccountExport = z.infer<typeof accountExportSchema>;

export const accountDataRpcSchemas = {
  /** Auth: the account's usage and ledger; records an audit entry. */
  export: { request: userRef, response: accountExportSchema },
  /**
   * Auth: deletes the account (sessions and keys with it), replaces the account id in
   * its ledger entries by an anonymous reference, records an audit entry.
   */
  delete: { request: userRef, response: z.object({ erased: z.boolean(), reference: z.string() }) },
  /** Ingestion: deletes the account's jobs, their uploads, chunk results and outputs. */
  eraseJobs: {
    request: userRef,
    response: z.object({
      jobs: z.number().int().nonnegative(),
      objects: z.number().int().nonnegative(),
    }),
  },
} as const;
