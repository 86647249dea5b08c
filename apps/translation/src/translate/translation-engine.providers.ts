import type { Provider } from '@nestjs/common';
import { MIGRATIONS, SchemaDataSource } from '@docat/database';
import {
  CachedTranslationMemory,
  PostgresTranslationMemory,
  Translator,
  type TranslationMemory,
} from '@docat/translate';
import { RUNTIME, type Runtime } from '@docat/service-kit';
import { recordEngineCall } from './translation-metrics.js';

export const TRANSLATION_POOL = Symbol('TRANSLATION_POOL');
export const TRANSLATION_MEMORY = Symbol('TRANSLATION_MEMORY');
export const TRANSLATOR = Symbol('TRANSLATOR');

/** The pg pool of the translation schema's data source (memory and glossaries query it directly). */
export type TranslationPool = ConstructorParameters<typeof PostgresTranslationMemory>[0];

/**
 * The translation library wired to the runtime's parts: memory in the service's own
 * schema behind the runtime's cache (Redis in cluster mode, process memory in standalone),
 * request admission (concurrency and requests per window) on the runtime's request
 * limiter (shared through Redis by every pod in cluster mode). One Translator per process serves every job.
 */
export const translationEngineProviders: Provider[] = [
  {
    provide: TRANSLATION_POOL,
    inject: [RUNTIME],
    useFactory: async (runtime: Runtime): Promise<TranslationPool> => {
      const source = await runtime.dataSourceFor('translation', [], [...MIGRATIONS.translation]);
      const pool = source instanceof SchemaDataSource ? source.primaryPool() : undefined;
      if (!pool) throw new Error('the translation data source has no PostgreSQL pool');
      return pool;
    },
  },
  {
    provide: TRANSLATION_MEMORY,
    inject: [RUNTIME, TRANSLATION_POOL],
    useFactory: (runtime: Runtime, pool: TranslationPool): TranslationMemory =>
      new CachedTranslationMemory(new PostgresTranslationMemory(pool), runtime.cache, {
        prefix: 'tm:',
      }),
  },
  {
    provide: TRANSLATOR,
    inject: [RUNTIME, TRANSLATION_MEMORY],
    useFactory: (runtime: Runtime, memory: TranslationMemory): Translator =>
      new Translator(
        { limiter: runtime.requestLimiter, memory, onEngineCall: recordEngineCall },
        { limiterKey: (engine) => `translate:engine:${engine.name}` },
      ),
  },
];
