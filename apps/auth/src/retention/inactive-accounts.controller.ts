import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import { RPC, type RpcResponse } from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { parseRows } from '@docat/database';
import { z } from 'zod';

/**
 * Answers the retention sweep (RETENTION_ACCOUNTS): accounts created before the limit
 * with no session and no API key used since. Administrators are never listed: an
 * installation must not lose its last administrator to a sweep.
 */
@Controller()
export class InactiveAccountsController {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  @RpcHandler(RPC.AUTH_INACTIVE_ACCOUNTS)
  async inactive(
    @Payload() req: RpcPayload<typeof RPC.AUTH_INACTIVE_ACCOUNTS>,
  ): Promise<RpcResponse<typeof RPC.AUTH_INACTIVE_ACCOUNTS>> {
    const before = new Date(req.inactiveBefore);
    const rows = parseRows(
      'auth.users',
      z.object({ id: z.string() }),
      await this.db.query(
        `SELECT u.id FROM auth.users u
        WHERE u.role <> 'admin' AND u.created_at < $1
          AND NOT EXISTS (SELECT 1 FROM auth.sessions s WHERE s.user_id = u.id AND s.last_used_at >= $1)
          AND NOT EXISTS (SELECT 1 FROM auth.api_keys k WHERE k.user_id = u.id AND k.last_used_at >= $1)
        ORDER BY u.created_at
        LIMIT $2`,
        [before, req.limit],
      ),
    );
    return { userIds: rows.map((r) => r.id) };
  }
}
