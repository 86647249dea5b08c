import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RPC, glossaryCreateSchema, glossaryUpdateSchema, type GlossaryDetail, type GlossaryView } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AccessTokenGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { uuidParam } from '../http/path-params.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';

const glossaryId = (id: string): string => uuidParam(id);

/**
 * `/v1/glossaries`: CSV glossaries (`term,translation` rows, one language pair) owned by
 * the translation service. Another user's glossary answers 404, like a missing one.
 */
@Controller('v1/glossaries')
@UseGuards(AccessTokenGuard)
export class GlossariesController {
  constructor(private readonly services: ServicesClient) {}

  @Post()
  @HttpCode(201)
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: unknown, @Req() request: FastifyRequest): Promise<GlossaryView> {
    const data = parseOrThrow(glossaryCreateSchema, body);
    return this.services.call(RPC.TRANSLATION_GLOSSARY_CREATE, { ...data, userId: user.id }, envelopeContextOf(request));
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<{ items: GlossaryView[] }> {
    return this.services.call(RPC.TRANSLATION_GLOSSARY_LIST, { userId: user.id }, envelopeContextOf(request));
  }

  @Get(':id')
  get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string, @Req() request: FastifyRequest): Promise<GlossaryDetail> {
    return this.services.call(RPC.TRANSLATION_GLOSSARY_GET, { userId: user.id, id: glossaryId(id) }, envelopeContextOf(request));
  }

  /** Another user's glossary answers 404 from the translation service, which looks it up by owner and id together. */
  @Patch(':id')
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<GlossaryView> {
    const data = parseOrThrow(glossaryUpdateSchema, body);
    return this.services.call(RPC.TRANSLATION_GLOSSARY_UPDATE, { ...data, userId: user.id, id: glossaryId(id) }, envelopeContextOf(request));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.call(RPC.TRANSLATION_GLOSSARY_DELETE, { userId: user.id, id: glossaryId(id) }, envelopeContextOf(request));
  }
}
