import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { CONFIG, WorkerStepsModule } from '@docat/service-kit';
import { ExtractProcessor } from './extract/extract.processor.js';
import { ExtractService } from './extract/extract.service.js';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from './extraction.tokens.js';
import { RenderProcessor } from './render/render.processor.js';
import { RenderService } from './render/render.service.js';

export type ExtractionModuleOptions = Partial<Omit<ExtractionSettings, 'maxPages'>>;

/** The extraction worker: `extract` and `render` queues, and cancellation by broadcast. */
@Module({})
export class ExtractionModule {
  static register(options: ExtractionModuleOptions = {}): DynamicModule {
    return {
      module: ExtractionModule,
      imports: [WorkerStepsModule],
      providers: [
        {
          provide: EXTRACTION_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): ExtractionSettings => ({
            concurrency: options.concurrency ?? 1,
            lockMs: options.lockMs ?? 30_000,
            timeoutMs: options.timeoutMs ?? 120_000,
            maxPages: config.limits.maxPages,
          }),
        },
        ExtractService,
        ExtractProcessor,
        RenderService,
        RenderProcessor,
      ],
    };
  }
}
