import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUES, translateJobSchema } from '@docat/contracts';
import { QUEUE, StepRunner, type QueuePort } from '@docat/service-kit';
import { TRANSLATION_SETTINGS, type TranslationSettings } from '../translation.tokens.js';
import { TranslateService } from './translate.service.js';

@Injectable()
export class TranslateProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(QUEUE) private readonly queue: QueuePort,
    @Inject(TRANSLATION_SETTINGS) private readonly settings: TranslationSettings,
    private readonly runner: StepRunner,
    private readonly translator: TranslateService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.work(
      QUEUES.TRANSLATE,
      this.runner.handler(QUEUES.TRANSLATE, 'translate', translateJobSchema, (data, signal, userId) => this.translator.translate(data, signal, userId)),
      { concurrency: this.settings.concurrency, lockMs: this.settings.lockMs },
    );
  }
}
