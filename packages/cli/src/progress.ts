import { ProgressEstimator, WORK_STAGES, type WorkStage } from '@docat/contracts/core';
import type { JobEvent, StageProgress } from '@docat/contracts';

/** A terminal's bar is redrawn at most this often within a stage (the last count always is). */
const REDRAW_MS = 100;

/** Where progress is written: stderr, or anything with the same two members. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** The stage a job event reports on: its current work stage, else the furthest one with counts. */
export function stageOfEvent(
  event: JobEvent,
): { stage: WorkStage; progress: StageProgress } | undefined {
  const stages = event.progress?.stages;
  if (!stages) return undefined;
  const current = (WORK_STAGES as readonly string[]).includes(event.stage)
    ? (event.stage as WorkStage)
    : undefined;
  if (current && stages[current]) return { stage: current, progress: stages[current] };
  for (const stage of [...WORK_STAGES].reverse()) {
    const progress = stages[stage];
    if (progress) return { stage, progress };
  }
  return undefined;
}

/**
 * Progress on stderr: a redrawn bar per stage when stderr is a terminal, plain lines
 * (one per stage change and every tenth of the way) when it is not, so logs stay readable.
 * It draws the job event shape (stage, done/total, unit, ETA) the SSE stream carries,
 * so the CLI and a client following `/v1/jobs/:id/events` show the same thing.
 */
export class Progress {
  private stage = '';
  private lastTenth = -1;
  private drawnAt = -Infinity;
  private readonly started: number;
  private stageStarted: number;

  constructor(
    private readonly out: ProgressOutput = process.stderr,
    private readonly quiet = false,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.stageStarted = this.started;
  }

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  /** Draws a job event: progress events move the bar (with the stage's ETA, else the job's); a terminal event ends the line. */
  event(event: JobEvent): void {
    const current = stageOfEvent(event);
    if (current)
      this.update(
        current.stage,
        current.progress.done,
        current.progress.total,
        current.progress.unit,
        current.progress.etaSeconds ?? event.progress?.etaSeconds,
        false,
      );
    if (event.type === 'failed' && event.error)
      this.note(`failed: ${event.error.code}: ${event.error.message}`);
    else if (event.type === 'cancelled') this.note('cancelled');
    else if (event.type === 'warning' && event.warning)
      this.note(`warning (${event.warning.kind}): ${event.warning.message}`);
  }

  /**
   * `etaSeconds` from the job when it has one; otherwise, if `estimate`, from this stage's
   * pace as seen here. A terminal's bar is redrawn at most every REDRAW_MS within a stage.
   */
  update(
    stage: string,
    done: number,
    total: number,
    unit: string,
    etaSeconds?: number,
    estimate = true,
  ): void {
    if (this.quiet) return;
    if (this.tty && stage === this.stage && done < total && this.now() - this.drawnAt < REDRAW_MS)
      return;
    if (stage !== this.stage) {
      if (this.stage && this.tty) this.out.write('\n');
      this.stage = stage;
      this.lastTenth = -1;
      this.stageStarted = this.now();
    }
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const elapsed = (this.now() - this.stageStarted) / 1000;
    const estimated =
      share > 0 && share < 1 ? Math.round((elapsed / share) * (1 - share)) : undefined;
    const eta =
      share < 1
        ? etaSeconds !== undefined
          ? Math.round(etaSeconds)
          : estimate
            ? estimated
            : undefined
        : undefined;
    const etaText = eta === undefined ? '' : ` ETA ${eta}s`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(share * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      this.out.write(`\r${stage.padEnd(10)} [${bar}] ${done}/${total} ${unit}${etaText}   `);
      this.drawnAt = this.now();
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`${stage}: ${done}/${total} ${unit}${etaText}\n`);
    }
  }

  note(message: string): void {
    if (this.quiet) return;
    if (this.tty && this.stage) this.out.write('\n');
    this.stage = '';
    this.out.write(`${message}\n`);
  }

  finish(): string {
    if (this.tty && this.stage && !this.quiet) this.out.write('\n');
    this.stage = '';
    return ((this.now() - this.started) / 1000).toFixed(1);
  }
}

/**
 * The in-process pipeline's counts turned into job events, so the CLI draws exactly what
 * a client following `/v1/jobs/:id/events` would see: the same stages, counts, units and
 * ETA computed the same way (`ProgressEstimator`, shared with the service).
 */
export class PipelineProgress {
  private readonly estimator: ProgressEstimator;
  private seq = 0;

  constructor(
    private readonly progress: Progress,
    private readonly now: () => number = Date.now,
  ) {
    this.estimator = new ProgressEstimator(now);
  }

  report(stage: WorkStage, done: number, total: number, unit: StageProgress['unit']): void {
    this.progress.event({
      jobId: 'local',
      seq: ++this.seq,
      type: 'progress',
      state: 'processing',
      stage,
      progress: this.estimator.update(stage, done, total, unit),
      at: new Date(this.now()).toISOString(),
    });
  }
}
