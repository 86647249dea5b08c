import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUES, renderJobSchema } from '@docat/contracts';
import { StepRunner } from '@docat/service-kit';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from '../extraction.tokens.js';
import { RenderService } from './render.service.js';

@Injectable()
export class RenderProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(EXTRACTION_SETTINGS) private readonly settings: ExtractionSettings,
    private readonly runner: StepRunner,
    private readonly renderer: RenderService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.work(
      QUEUES.RENDER,
      'render',
      renderJobSchema,
      (data, signal, userId) => this.renderer.render(data, signal, userId),
      { concurrency: this.settings.concurrency, lockMs: this.settings.lockMs },
    );
  }
}
