import { Controller, Get } from '@nestjs/common';
import {
  LANGUAGE_CODES,
  LANGUAGES,
  RPC,
  RTL_LANGUAGES,
  type EngineInfo,
  type LanguageEntry,
  type EnvelopeContext,
} from '@docat/contracts';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';
import { Public } from '../auth/public.decorator.js';

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
@Public()
export class EnginesController {
  constructor(private readonly services: ServicesClient) {}

  @Get('languages')
  languages(): { items: LanguageEntry[] } {
    return { items: LANGUAGE_LIST };
  }

  @Get('engines')
  engines(@Envelope() envelope: EnvelopeContext): Promise<{ items: EngineInfo[] }> {
    return this.services.call(RPC.TRANSLATION_ENGINES, {}, envelope);
  }
}
