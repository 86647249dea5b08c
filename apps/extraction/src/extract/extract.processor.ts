import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUES, extractJobSchema } from '@docat/contracts';
import { StepRunner } from '@docat/service-kit';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from '../extraction.tokens.js';
import { ExtractService } from './extract.service.js';

@Injectable()
export class ExtractProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(EXTRACTION_SETTINGS) private readonly settings: ExtractionSettings,
    private readonly runner: StepRunner,
    private readonly extract: ExtractService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.work(
      QUEUES.EXTRACT,
      'extract',
      extractJobSchema,
      (data, signal, userId) => this.extract.extract(data, signal, userId),
      { concurrency: this.settings.concurrency, lockMs: this.settings.lockMs },
    );
  }
}
