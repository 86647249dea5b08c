import { Inject, Injectable } from '@nestjs/common';
import {
  EVENTS,
  type ChunkStepDone,
  type ChunkStepFailed,
  type ChunkStepProgress,
} from '@docat/contracts';
import { BUS } from '../tokens.js';
import type { BusClient } from '../ports.js';

type DoneInput = Omit<ChunkStepDone, 'billedCharacters' | 'warnings'> &
  Partial<Pick<ChunkStepDone, 'billedCharacters' | 'warnings'>>;

/** A step's progress reports are sent at most this often (the last one always goes out). */
export const STEP_PROGRESS_INTERVAL_MS = 250;

/** Reports a step's outcome to ingestion; called only after the step's result is in storage. */
@Injectable()
export class StepReporter {
  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  done(report: DoneInput, userId?: string): Promise<void> {
    const event: ChunkStepDone = { billedCharacters: 0, warnings: [], ...report };
    return this.bus.emit(
      EVENTS.CHUNK_STEP_DONE,
      event,
      userId ? { context: { userId } } : undefined,
    );
  }

  failed(report: ChunkStepFailed, userId?: string): Promise<void> {
    return this.bus.emit(
      EVENTS.CHUNK_STEP_FAILED,
      report,
      userId ? { context: { userId } } : undefined,
    );
  }

  /**
   * A progress callback for one running step: `(done, total)` is sent at most every
   * STEP_PROGRESS_INTERVAL_MS, and always when the step reaches its total, so a
   * 500-page chunk sends a few reports a second, not one per page. Progress is advisory:
   * a report that cannot be sent is dropped, never fails the step.
   */
  progressOf(
    ref: Omit<ChunkStepProgress, 'done' | 'total' | 'unit'>,
    unit: ChunkStepProgress['unit'],
    userId?: string,
    now: () => number = Date.now,
  ): (done: number, total: number) => void {
    let last = -Infinity;
    let lastDone = -1;
    return (done, total) => {
      const at = now();
      if (done === lastDone || (done < total && at - last < STEP_PROGRESS_INTERVAL_MS)) return;
      last = at;
      lastDone = done;
      const event: ChunkStepProgress = { ...ref, done, total, unit };
      this.bus
        .emit(EVENTS.CHUNK_STEP_PROGRESS, event, userId ? { context: { userId } } : undefined)
        // Progress is advisory (the next report supersedes it); a lost one must not fail the step.
        .catch(() => undefined);
    };
  }
}
