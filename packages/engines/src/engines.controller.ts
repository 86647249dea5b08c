import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RPC, type EngineChoice, type EngineInfo, type EngineName } from '@docat/contracts';
import {
  assertEngineLanguages,
  checkEngine,
  configuredEngines,
  credentialRefusal,
  engineChain,
  resolveEngine,
  type EngineEnv,
  type EngineHealth,
  type EngineLanguages,
  type TranslationEngine,
} from '@docat/translate';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { ENGINE_ENV } from './engine-env.js';

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

const UNKNOWN_LANGUAGES: EngineLanguages = { source: [], target: [] };

/**
 * `translation.engines` (`GET /v1/engines`): the engines this deployment has configuration
 * for, their languages and health. `translation.resolve-engine`: the engine a new job uses
 * (the registry's one rule) and the check that it can do the job's languages.
 */
@Controller()
export class EnginesController {
  private cached?: { at: number; items: Promise<EngineInfo[]> };
  private readonly languageLists = new Map<
    EngineName,
    { at: number; list: Promise<EngineLanguages> }
  >();

  /** Credential checks per engine, reused for a minute: one provider call per engine, not per upload. */
  private readonly checks = new Map<EngineName, { at: number; health: Promise<EngineHealth> }>();

  constructor(@Inject(ENGINE_ENV) private readonly env: EngineEnv) {}

  @RpcHandler(RPC.TRANSLATION_ENGINES)
  async engines(
    @Payload() _req: RpcPayload<typeof RPC.TRANSLATION_ENGINES>,
  ): Promise<{ items: EngineInfo[] }> {
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
      const items = this.describeAll();
      this.cached = { at: Date.now(), items };
      items.catch(() => (this.cached = undefined));
    }
    return { items: await this.cached.items };
  }

  @RpcHandler(RPC.TRANSLATION_RESOLVE_ENGINE)
  async resolve(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_RESOLVE_ENGINE>,
  ): Promise<EngineChoice> {
    const { engine, reason } = resolveEngine(req.engine, this.env);
    // The key is checked beside the languages, while the upload is still arriving: a job
    // whose every engine refuses its key is refused now (ENGINE_AUTH), before extraction
    // is charged, not after the whole document was read.
    const [, refusal] = await Promise.all([
      assertEngineLanguages(
        engine,
        {
          target: req.targetLanguage,
          ...(req.sourceLanguage ? { source: req.sourceLanguage } : {}),
        },
        this.languagesOf(engine),
      ),
      credentialRefusal(engineChain(engine.name, this.env), (e) => this.checkOf(e)),
    ]);
    if (refusal) throw refusal;
    return { engine: engine.name, model: engine.model, paid: engine.paid, reason };
  }

  /** An engine's credential check, asked of its provider at most once a minute. */
  private checkOf(engine: TranslationEngine): Promise<EngineHealth> {
    const hit = this.checks.get(engine.name);
    if (hit && Date.now() - hit.at <= CACHE_MS) return hit.health;
    const health = checkEngine(engine, PROBE_MS);
    this.checks.set(engine.name, { at: Date.now(), health });
    return health;
  }

  /** An engine's language list, asked of its provider at most once a minute; a list that cannot be read is not kept. */
  private languagesOf(engine: TranslationEngine): Promise<EngineLanguages> {
    const hit = this.languageLists.get(engine.name);
    if (hit && Date.now() - hit.at <= CACHE_MS) return hit.list;
    const list = within(engine.languages(), UNKNOWN_LANGUAGES).then((l) => {
      if (l === UNKNOWN_LANGUAGES) this.languageLists.delete(engine.name);
      return l;
    });
    this.languageLists.set(engine.name, { at: Date.now(), list });
    return list;
  }

  private describeAll(): Promise<EngineInfo[]> {
    const engines = configuredEngines(this.env);
    let defaultName: EngineName | undefined;
    try {
      defaultName = resolveEngine(undefined, this.env).engine.name;
    } catch {
      // DEFAULT_ENGINE names an engine without configuration: uploads naming none are refused, so none is the default.
    }
    return Promise.all(engines.map((engine) => this.describe(engine, engine.name === defaultName)));
  }

  private async describe(engine: TranslationEngine, isDefault: boolean): Promise<EngineInfo> {
    const [languages, health] = await Promise.all([
      this.languagesOf(engine),
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
