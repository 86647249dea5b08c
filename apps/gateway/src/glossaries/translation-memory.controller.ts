import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RPC, RPC_CONTRACTS, type EnvelopeContext } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

const purgeQuerySchema = z.object({ glossaryId: z.string().max(64).optional() });

/** `/v1/memory`: the caller's own translation memory (purge, TMX export and import). */
@Controller('v1/memory')
export class TranslationMemoryController {
  constructor(private readonly services: ServicesClient) {}

  /** Every entry of the account, or only those made with `?glossaryId=`. */
  @Delete()
  @HttpCode(200)
  purge(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ removed: number }> {
    const { glossaryId } = parseOrThrow(purgeQuerySchema, query);
    return this.services.call(
      RPC.TRANSLATION_MEMORY_PURGE,
      { userId: user.id, ...(glossaryId ? { glossaryId } : {}) },
      envelope,
    );
  }

  @Get('tmx')
  async export(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const { tmx } = await this.services.call(
      RPC.TRANSLATION_MEMORY_EXPORT,
      { userId: user.id },
      envelope,
      60_000,
    );
    void reply
      .header('content-type', 'application/x-tmx+xml; charset=utf-8')
      .header('content-disposition', 'attachment; filename="docat-memory.tmx"');
    return tmx;
  }

  /** JSON `{ "tmx": "<tmx …>" }`; entries are imported into the caller's account only. */
  @Post('tmx')
  @HttpCode(200)
  import(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ imported: number; skipped: number }> {
    const { tmx } = parseOrThrow(
      RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_IMPORT].request.omit({ userId: true }),
      body,
    );
    return this.services.call(
      RPC.TRANSLATION_MEMORY_IMPORT,
      { userId: user.id, tmx },
      envelope,
      60_000,
    );
  }
}
