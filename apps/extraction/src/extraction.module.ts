import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { EVENTS, QUEUES } from '@docat/contracts';
import { CONFIG, WorkerStepsModule } from '@docat/service-kit';
import { ExtractProcessor } from './extract/extract.processor.js';
import { ExtractService } from './extract/extract.service.js';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from './extraction.tokens.js';
import { RenderProcessor } from './render/render.processor.js';
import { RenderService } from './render/render.service.js';

/** What the extraction process must handle; its boot fails if a handler is missing. */
export const EXTRACTION_CLAIMS = {
  patterns: [EVENTS.JOB_CANCEL_REQUESTED],
  queues: [QUEUES.EXTRACT, QUEUES.RENDER],
};

/** Parsing one chunk of a hostile document may take this long before the sandbox stops it. */
const EXTRACT_TIMEOUT_MS = 120_000;

/** The extraction worker: `extract` and `render` queues, and cancellation by broadcast. */
@Module({})
export class ExtractionModule {
  static register(): DynamicModule {
    return {
      module: ExtractionModule,
      imports: [WorkerStepsModule],
      providers: [
        {
          provide: EXTRACTION_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): ExtractionSettings => ({
            // Extraction is CPU-bound: one chunk per process unless configured otherwise.
            concurrency: config.workers.concurrency ?? 1,
            lockMs: config.workers.lockMs,
            timeoutMs: EXTRACT_TIMEOUT_MS,
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
