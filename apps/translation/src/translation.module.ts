import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { EVENTS, QUEUES } from '@docat/contracts';
import { CONFIG, WorkerStepsModule } from '@docat/service-kit';
import { TranslateProcessor } from './translate/translate.processor.js';
import { TranslateService } from './translate/translate.service.js';
import { TRANSLATION_SETTINGS, type TranslationSettings } from './translation.tokens.js';

/** What the translation process must handle; its boot fails if a handler is missing. */
export const TRANSLATION_CLAIMS = {
  patterns: [EVENTS.JOB_CANCEL_REQUESTED],
  queues: [QUEUES.TRANSLATE],
};

/** The translation worker: the `translate` queue. */
@Module({})
export class TranslationModule {
  static register(): DynamicModule {
    return {
      module: TranslationModule,
      imports: [WorkerStepsModule],
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
        TranslateService,
        TranslateProcessor,
      ],
    };
  }
}
