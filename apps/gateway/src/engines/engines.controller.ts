import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  LANGUAGE_CODES,
  LANGUAGES,
  RPC,
  RTL_LANGUAGES,
  type EngineInfo,
  type LanguageEntry,
} from '@docat/contracts';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';

const LANGUAGE_LIST: LanguageEntry[] = LANGUAGE_CODES.map((code) => ({
  code,
  name: LANGUAGES[code],
  rtl: RTL_LANGUAGES.has(code),
}));

/**
 * Public (no token): the languages Docat accepts, and the engines this deployment has
 * configured, as the translation service reports them (languages, health).
 */
@Controller('v1')
export class EnginesController {
  constructor(private readonly services: ServicesClient) {}

  @Get('languages')
  languages(): { items: LanguageEntry[] } {
    return { items: LANGUAGE_LIST };
  }

  @Get('engines')
  engines(@Req() request: FastifyRequest): Promise<{ items: EngineInfo[] }> {
    return this.services.call(RPC.TRANSLATION_ENGINES, {}, envelopeContextOf(request));
  }
}
