import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { QUEUES, RPC } from '@docat/contracts';
import { CONFIG, RUNTIME, type Runtime } from '@docat/service-kit';
import { MIGRATIONS } from '@docat/database';
import {
  BILLING_CONTROLLERS,
  BILLING_PATTERNS,
  BILLING_PROVIDERS,
} from './billing/billing.providers.js';
import { JobEventsPublisher } from './events/job-events.publisher.js';
import { JobProgressTracker } from './events/job-progress.tracker.js';
import { INGESTION_DB, INGESTION_SETTINGS, type IngestionSettings } from './ingestion.tokens.js';
import { ActiveUsersMetric } from './jobs/active-users.metric.js';
import { JobsController } from './jobs/jobs.controller.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import { JobsService } from './jobs/jobs.service.js';
import { JobDeletionService } from './jobs/job-deletion.service.js';
import { ChunksRepository } from './orchestration/chunks.repository.js';
import { OrchestratorService } from './orchestration/orchestrator.service.js';
import { ReconcilerService } from './orchestration/reconciler.service.js';
import { StepEventsController } from './orchestration/step-events.controller.js';
import { QueuesAdminController } from './queues/queues-admin.controller.js';
import { RETENTION_PROVIDERS } from './retention/retention.providers.js';

/** What the ingestion process must answer; its boot fails if a handler is missing. */
export const INGESTION_CLAIMS = {
  patterns: [
    RPC.JOBS_CREATE,
    RPC.JOBS_GET,
    RPC.JOBS_LIST,
    RPC.JOBS_CANCEL,
    RPC.JOBS_RESULT,
    RPC.JOBS_SOURCE,
    RPC.JOBS_REPORT,
    RPC.JOBS_DELETE,
    RPC.JOBS_ADMIN_QUEUES,
    RPC.JOBS_ADMIN_QUEUE_FAILED,
    RPC.JOBS_ADMIN_QUEUE_RETRY,
    RPC.JOBS_ADMIN_QUEUE_REMOVE,
    RPC.JOBS_STEP_CLAIM,
    RPC.JOBS_STEP_HEARTBEAT,
    ...BILLING_PATTERNS,
  ],
  queues: [QUEUES.MAINTENANCE],
};

/** The ingestion service: jobs RPC, orchestration of chunks, result cache. Adapters come from the runtime tokens. */
@Module({})
export class IngestionModule {
  static register(): DynamicModule {
    return {
      module: IngestionModule,
      controllers: [
        JobsController,
        StepEventsController,
        QueuesAdminController,
        ...BILLING_CONTROLLERS,
      ],
      providers: [
        {
          provide: INGESTION_DB,
          inject: [RUNTIME],
          useFactory: (runtime: Runtime) =>
            runtime.dataSourceFor('ingestion', [], [...MIGRATIONS.ingestion]),
        },
        {
          provide: INGESTION_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): IngestionSettings => ({
            chunkPages: config.limits.chunkPages,
            maxPages: config.limits.maxPages,
            userMaxChunksInFlight: config.limits.userMaxChunksInFlight,
            reservedSlots: config.workers.dispatchReservedSlots,
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
        JobProgressTracker,
        JobsService,
        JobDeletionService,
        ReconcilerService,
        ...BILLING_PROVIDERS,
        ActiveUsersMetric,
        ...RETENTION_PROVIDERS,
      ],
    };
  }
}
