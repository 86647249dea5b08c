import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  RPC,
  glossaryCreateSchema,
  glossaryUpdateSchema,
  type GlossaryDetail,
  type GlossaryView,
  type EnvelopeContext,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { uuidParam } from '../http/path-params.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

const glossaryId = (id: string): string => uuidParam(id);

/**
 * `/v1/glossaries`: CSV glossaries (`term,translation` rows, one language pair) owned by
 * the translation service. Another user's glossary answers 404, like a missing one.
 */
@Controller('v1/glossaries')
export class GlossariesController {
  constructor(private readonly services: ServicesClient) {}

  @Post()
  @HttpCode(201)
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<GlossaryView> {
    const data = parseOrThrow(glossaryCreateSchema, body);
    return this.services.call(
      RPC.TRANSLATION_GLOSSARY_CREATE,
      { ...data, userId: user.id },
      envelope,
    );
  }

  @Get()
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ items: GlossaryView[] }> {
    return this.services.call(RPC.TRANSLATION_GLOSSARY_LIST, { userId: user.id }, envelope);
  }

  @Get(':id')
  get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<GlossaryDetail> {
    return this.services.call(
      RPC.TRANSLATION_GLOSSARY_GET,
      { userId: user.id, id: glossaryId(id) },
      envelope,
    );
  }

  /** Another user's glossary answers 404 from the translation service, which looks it up by owner and id together. */
  @Patch(':id')
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<GlossaryView> {
    const data = parseOrThrow(glossaryUpdateSchema, body);
    return this.services.call(
      RPC.TRANSLATION_GLOSSARY_UPDATE,
      { ...data, userId: user.id, id: glossaryId(id) },
      envelope,
    );
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<void> {
    await this.services.call(
      RPC.TRANSLATION_GLOSSARY_DELETE,
      { userId: user.id, id: glossaryId(id) },
      envelope,
    );
  }
}
