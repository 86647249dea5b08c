import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ENGINE_NAMES, LANGUAGE_CODES, LANGUAGES, RTL_LANGUAGES } from '@docat/contracts';
import { RUNTIME, type Runtime } from '@docat/service-kit';

export interface LanguageEntry {
  code: string;
  name: string;
  rtl: boolean;
}

export interface EngineEntry {
  name: string;
  offline: boolean;
}

const LANGUAGE_LIST: LanguageEntry[] = LANGUAGE_CODES.map((code) => ({ code, name: LANGUAGES[code], rtl: RTL_LANGUAGES.has(code) }));
const ENGINE_LIST: EngineEntry[] = ENGINE_NAMES.map((name) => ({ name, offline: name === 'pseudo' }));

/** Public, static answers (no token needed), and the aggregate health of the source design. */
@Controller()
export class MetaController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get('v1/languages')
  languages(): { items: LanguageEntry[] } {
    return { items: LANGUAGE_LIST };
  }

  @Get('v1/engines')
  engines(): { items: EngineEntry[] } {
    return { items: ENGINE_LIST };
  }

  /** The gateway's own dependencies for now; other services report on their management ports. */
  @Get('health')
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: 'ok' | 'degraded'; checks: Record<string, string>; timestamp: string }> {
    const report = await this.runtime.readiness();
    void reply.status(report.ready ? 200 : 503).header('cache-control', 'no-store');
    return { status: report.ready ? 'ok' : 'degraded', checks: report.checks, timestamp: new Date().toISOString() };
  }
}
