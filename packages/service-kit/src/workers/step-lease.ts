import { Inject, Injectable, Logger } from '@nestjs/common';
import { RPC, stepLeaseAnswerSchema, type StepClaim, type StepLeaseAnswer } from '@docat/contracts';
import { BUS } from '../tokens.js';
import type { BusClient } from '../ports.js';

const CLAIM_TIMEOUT_MS = 10_000;

/** A running step's lease: stop() ends its heartbeat; `lost` fires when the lease is no longer this run's. */
export interface HeldLease {
  lost: AbortSignal;
  stop(): void;
}

/**
 * A worker's side of step leases: claim before any work, then a heartbeat every third
 * of the lease. A heartbeat that is refused (the step was re-issued, finished or the
 * job ended) aborts the step; one that cannot be delivered is retried on the next beat,
 * so a short bus outage costs nothing while the lease still runs.
 */
@Injectable()
export class StepLeaseClient {
  private readonly logger = new Logger(StepLeaseClient.name);

  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  /** Throws when ingestion cannot be asked (the queue retries the step later). */
  async claim(ref: StepClaim, userId?: string): Promise<StepLeaseAnswer> {
    return stepLeaseAnswerSchema.parse(
      await this.bus.call(RPC.JOBS_STEP_CLAIM, ref, {
        timeoutMs: CLAIM_TIMEOUT_MS,
        ...(userId ? { context: { userId } } : {}),
      }),
    );
  }

  hold(ref: StepClaim, leaseMs: number, userId?: string): HeldLease {
    const controller = new AbortController();
    const every = Math.max(100, Math.floor(leaseMs / 3));
    let beating = false;
    const timer = setInterval(() => {
      if (beating || controller.signal.aborted) return;
      beating = true;
      this.bus
        .call(RPC.JOBS_STEP_HEARTBEAT, ref, {
          timeoutMs: every,
          ...(userId ? { context: { userId } } : {}),
        })
        .then((raw) => {
          const answer = stepLeaseAnswerSchema.parse(raw);
          if (!answer.granted) controller.abort(new Error(`step lease lost: ${answer.reason}`));
        })
        .catch((err: unknown) =>
          this.logger.warn(
            `heartbeat of job ${ref.jobId} ${ref.step} ${ref.chunk} not delivered: ${err instanceof Error ? err.message : String(err)}`,
          ),
        )
        .finally(() => {
          beating = false;
        });
    }, every);
    timer.unref();
    return { lost: controller.signal, stop: () => clearInterval(timer) };
  }
}
