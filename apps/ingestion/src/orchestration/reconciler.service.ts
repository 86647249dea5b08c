import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { INGESTION_SETTINGS, type IngestionSettings } from '../ingestion.tokens.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { OrchestratorService } from './orchestrator.service.js';

const PARTITION_CHECK_MS = 6 * 60 * 60 * 1000;

/**
 * Timers of the orchestrator: lease expiry repair on a short interval, and the monthly
 * partitions of the jobs table (current and next month) at boot and every few hours.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly jobs: JobsRepository,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.ensurePartitions();
    this.timers.push(setInterval(() => void this.tick(), this.settings.reconcileIntervalMs));
    this.timers.push(
      setInterval(
        () =>
          void this.jobs.ensurePartitions().catch((err: unknown) => this.logger.error(String(err))),
        PARTITION_CHECK_MS,
      ),
    );
    for (const timer of this.timers) timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.orchestrator
      .reconcile()
      .catch((err: unknown) =>
        this.logger.error(`reconcile failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }
}
