import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { EVENTS, type QueueName, type WorkerCapacity } from '@docat/contracts';
import { BUS } from '../tokens.js';
import type { BusClient } from '../ports.js';

/** How often a worker repeats its announcement; it lapses after three missed ones. */
export const CAPACITY_ANNOUNCE_MS = 10_000;
const CAPACITY_TTL_MS = 3 * CAPACITY_ANNOUNCE_MS;

type StepQueue = WorkerCapacity['queue'];

/**
 * Tells ingestion how many steps of each queue this process runs at once, so dispatch
 * puts no more chunk steps in flight than the live workers can start. Announced at
 * start, repeated, and withdrawn (0) when the process stops; a killed process's
 * announcement lapses on its own.
 */
@Injectable()
export class WorkerCapacityAnnouncer implements OnModuleDestroy {
  private readonly logger = new Logger(WorkerCapacityAnnouncer.name);
  /**
   * This process among the workers: host, process id and a random part (a restarted
   * process that gets the same id is still another worker). Step leases name it too.
   */
  readonly worker = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly queues = new Map<StepQueue, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  announce(queue: QueueName, concurrency: number): void {
    if (queue !== 'extract' && queue !== 'translate' && queue !== 'render') return;
    this.queues.set(queue, concurrency);
    void this.send(queue, concurrency);
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const [q, n] of this.queues) void this.send(q, n);
      }, CAPACITY_ANNOUNCE_MS);
      this.timer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.queues.keys()].map((q) => this.send(q, 0)));
    this.queues.clear();
  }

  private async send(queue: StepQueue, concurrency: number): Promise<void> {
    const event: WorkerCapacity = {
      worker: this.worker,
      queue,
      concurrency,
      ttlMs: CAPACITY_TTL_MS,
    };
    await this.bus
      .emit(EVENTS.WORKER_CAPACITY, event)
      .catch((err: unknown) =>
        this.logger.warn(
          `capacity of ${queue} not announced: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  }
}
