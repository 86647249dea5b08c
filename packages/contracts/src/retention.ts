import { z } from 'zod';

/**
 * `auth.inactive-accounts`: accounts nobody has used since `inactiveBefore` (no session
 * and no API key used since, created before), oldest first. Administrators are never
 * listed. The retention sweep erases what it is given, as `DELETE /v1/me` would.
 */
export const inactiveAccountsRpcSchemas = {
  request: z.object({
    inactiveBefore: z.iso.datetime(),
    limit: z.number().int().min(1).max(1_000),
  }),
  response: z.object({ userIds: z.array(z.string()) }),
} as const;
