import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RPC, RPC_CONTRACTS, type EngineInfo } from '@docat/contracts';
import { configuredEngines, type EngineEnv, type TranslationEngine } from '@docat/translate';
import { parseOrThrow } from '@docat/service-kit';
import { ENGINE_ENV } from '../translate/translation-engine.providers.js';

/** A provider that does not answer within this time is reported unhealthy, not waited for. */
const PROBE_MS = 3000;
/** Answers are reused this long: each probe is a request to a (possibly paid) provider. */
const CACHE_MS = 60_000;

async function within<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), PROBE_MS);
  });
  try {
    return await Promise.race([work.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `translation.engines`: the engines this deployment has configuration for, their languages and health. */
@Controller()
export class EnginesController {
  private cached?: { at: number; items: Promise<EngineInfo[]> };

  constructor(@Inject(ENGINE_ENV) private readonly env: EngineEnv) {}

  @MessagePattern(RPC.TRANSLATION_ENGINES)
  async engines(@Payload() data: unknown): Promise<{ items: EngineInfo[] }> {
    parseOrThrow(RPC_CONTRACTS[RPC.TRANSLATION_ENGINES].request, data);
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
      const items = this.describeAll();
      this.cached = { at: Date.now(), items };
      items.catch(() => (this.cached = undefined));
    }
    return { items: await this.cached.items };
  }

  private describeAll(): Promise<EngineInfo[]> {
    const chain = (this.env.TRANSLATION_ENGINES ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    const engines = configuredEngines(this.env);
    const first = chain.find((n) => engines.some((e) => e.name === n)) ?? engines.find((e) => e.name !== 'pseudo')?.name ?? 'pseudo';
    return Promise.all(engines.map((engine) => this.describe(engine, engine.name === first)));
  }

  private async describe(engine: TranslationEngine, isDefault: boolean): Promise<EngineInfo> {
    const [languages, health] = await Promise.all([
      within(engine.languages(), { source: [], target: [] }),
      within(engine.health(), { ok: false, detail: `no answer within ${PROBE_MS} ms` }),
    ]);
    return {
      name: engine.name,
      model: engine.model,
      paid: engine.paid,
      offline: engine.name === 'pseudo',
      default: isDefault,
      languages,
      health: { ok: health.ok, ...(health.detail ? { detail: health.detail } : {}) },
    };
  }
}
