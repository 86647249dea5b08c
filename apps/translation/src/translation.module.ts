import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { EVENTS, QUEUES, RPC } from '@docat/contracts';
import { CONFIG, WorkerStepsModule } from '@docat/service-kit';
import { ENGINES_PATTERNS, EnginesModule } from '@docat/engines';
import { GlossariesController } from './glossaries/glossaries.controller.js';
import { GlossariesRepository } from './glossaries/glossaries.repository.js';
import { MemoryAdminController } from './memory/memory-admin.controller.js';
import { TranslateProcessor } from './translate/translate.processor.js';
import { TranslateService } from './translate/translate.service.js';
import { translationEngineProviders } from './translate/translation-engine.providers.js';
import { TRANSLATION_SETTINGS, type TranslationSettings } from './translation.tokens.js';

/** What the translation process must handle; its boot fails if a handler is missing. */
export const TRANSLATION_CLAIMS = {
  patterns: [
    EVENTS.JOB_CANCEL_REQUESTED,
    ...ENGINES_PATTERNS,
    RPC.TRANSLATION_GLOSSARY_CREATE,
    RPC.TRANSLATION_GLOSSARY_LIST,
    RPC.TRANSLATION_GLOSSARY_GET,
    RPC.TRANSLATION_GLOSSARY_DELETE,
    RPC.TRANSLATION_GLOSSARY_UPDATE,
    RPC.TRANSLATION_MEMORY_PURGE,
    RPC.TRANSLATION_MEMORY_EXPORT,
    RPC.TRANSLATION_MEMORY_IMPORT,
  ],
  queues: [QUEUES.TRANSLATE],
};

/** The translation worker: the `translate` queue. */
@Module({})
export class TranslationModule {
  static register(): DynamicModule {
    return {
      module: TranslationModule,
      imports: [WorkerStepsModule, EnginesModule],
      controllers: [GlossariesController, MemoryAdminController],
      providers: [
        {
          provide: TRANSLATION_SETTINGS,
          inject: [CONFIG],
          // Translation mostly waits on engines, so several chunks per process by default.
          useFactory: (config: DocatConfig): TranslationSettings => ({
            concurrency: config.workers.concurrency ?? 4,
            lockMs: config.workers.lockMs,
          }),
        },
        ...translationEngineProviders,
        GlossariesRepository,
        TranslateService,
        TranslateProcessor,
      ],
    };
  }
}
