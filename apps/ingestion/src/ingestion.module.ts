import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
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

export interface IngestionModuleOptions {
  /** Chunk-step lease; default 2 minutes. */
  leaseMs?: number;
  reconcileIntervalMs?: number;
}

/** The ingestion service: jobs RPC, orchestration of chunks, result cache. Adapters come from the runtime tokens. */
@Module({})
export class IngestionModule {
  static register(options: IngestionModuleOptions = {}): DynamicModule {
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
            leaseMs: options.leaseMs ?? 120_000,
            reconcileIntervalMs: options.reconcileIntervalMs ?? 5_000,
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
