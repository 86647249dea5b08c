import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUES, translateJobSchema } from '@docat/contracts';
import { StepRunner } from '@docat/service-kit';
import { TRANSLATION_SETTINGS, type TranslationSettings } from '../translation.tokens.js';
import { TranslateService } from './translate.service.js';

@Injectable()
export class TranslateProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(TRANSLATION_SETTINGS) private readonly settings: TranslationSettings,
    private readonly runner: StepRunner,
    private readonly translator: TranslateService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.work(
      QUEUES.TRANSLATE,
      'translate',
      translateJobSchema,
      (data, signal, userId) => this.translator.translate(data, signal, userId),
      { concurrency: this.settings.concurrency, lockMs: this.settings.lockMs },
    );
  }
}
