import { Inject, Injectable } from '@nestjs/common';
import { EVENTS, type ChunkStepDone, type ChunkStepFailed } from '@docat/contracts';
import { BUS } from '../tokens.js';
import type { BusClient } from '../ports.js';

type DoneInput = Omit<ChunkStepDone, 'billedCharacters' | 'warnings'> & Partial<Pick<ChunkStepDone, 'billedCharacters' | 'warnings'>>;

/** Reports a step's outcome to ingestion; called only after the step's result is in storage. */
@Injectable()
export class StepReporter {
  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  done(report: DoneInput, userId?: string): Promise<void> {
    const event: ChunkStepDone = { billedCharacters: 0, warnings: [], ...report };
    return this.bus.emit(EVENTS.CHUNK_STEP_DONE, event, userId ? { context: { userId } } : undefined);
  }

  failed(report: ChunkStepFailed, userId?: string): Promise<void> {
    return this.bus.emit(EVENTS.CHUNK_STEP_FAILED, report, userId ? { context: { userId } } : undefined);
  }
}
