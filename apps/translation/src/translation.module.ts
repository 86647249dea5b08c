import { Module, type DynamicModule } from '@nestjs/common';
import { WorkerStepsModule } from '@docat/service-kit';
import { TranslateProcessor } from './translate/translate.processor.js';
import { TranslateService } from './translate/translate.service.js';
import { TRANSLATION_SETTINGS, type TranslationSettings } from './translation.tokens.js';

/** The translation worker: the `translate` queue. */
@Module({})
export class TranslationModule {
  static register(options: Partial<TranslationSettings> = {}): DynamicModule {
    return {
      module: TranslationModule,
      imports: [WorkerStepsModule],
      providers: [
        { provide: TRANSLATION_SETTINGS, useValue: { concurrency: options.concurrency ?? 4, lockMs: options.lockMs ?? 30_000 } satisfies TranslationSettings },
        TranslateService,
        TranslateProcessor,
      ],
    };
  }
}
