import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { RPC } from '@docat/contracts';
import { CONFIG, RUNTIME, type Runtime } from '@docat/service-kit';
import { MIGRATIONS } from '@docat/database';
import { JobEventsPublisher } from './events/job-events.publisher.js';
import { INGESTION_DB, INGESTION_SETTINGS, type IngestionSettings } from './ingestion.tokens.js';
import { JobsController } from './jobs/jobs.controller.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import { JobsService } from './jobs/jobs.service.js';
import { ChunksRepository } from './orchestration/chunks.repository.js';
import { OrchestratorService } from './orchestration/orchestrator.service.js';
import { ReconcilerService } from './orchestration/reconciler.service.js';
import { StepEventsController } from './orchestration/step-events.controller.js';

/** What the ingestion process must answer; its boot fails if a handler is missing. */
export const INGESTION_CLAIMS = {
  patterns: [RPC.JOBS_CREATE, RPC.JOBS_GET, RPC.JOBS_LIST, RPC.JOBS_CANCEL, RPC.JOBS_RESULT],
};

/** The ingestion service: jobs RPC, orchestration of chunks, result cache. Adapters come from the runtime tokens. */
@Module({})
export class IngestionModule {
  static register(): DynamicModule {
    return {
      module: IngestionModule,
      controllers: [JobsController, StepEventsController],
      providers: [
        {
          provide: INGESTION_DB,
          inject: [RUNTIME],
          useFactory: (runtime: Runtime) => runtime.dataSourceFor('ingestion', [], [...MIGRATIONS.ingestion]),
        },
        {
          provide: INGESTION_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): IngestionSettings => ({
            chunkPages: config.limits.chunkPages,
            maxPages: config.limits.maxPages,
            userMaxChunksInFlight: config.limits.userMaxChunksInFlight,
            pageFailureShare: config.limits.pageFailureShare,
            resultCacheTtlMs: config.retention.resultCacheTtl,
            leaseMs: config.workers.chunkLeaseMs,
            reconcileIntervalMs: config.workers.reconcileIntervalMs,
            snapshotTtlMs: 10 * 60 * 1000,
          }),
        },
        JobsRepository,
        ChunksRepository,
        JobEventsPublisher,
        OrchestratorService,
        JobsService,
        ReconcilerService,
      ],
    };
  }
}
