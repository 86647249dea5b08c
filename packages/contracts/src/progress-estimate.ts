import type { JobProgress, StageProgress } from './jobs.js';
import { WORK_STAGES, type WorkStage } from './work-stages.js';

/**
 * How a job's progress and ETA are computed from stage counts. The service (ingestion,
 * from workers' reports) and the CLI (from its in-process pipeline) both use it, so a
 * job's progress means the same thing wherever it is shown.
 */

/** When a stage was first seen under way and how far it was then: the base of its rate. */
export interface StageClock {
  at: number;
  done: number;
}

export type StageCounts = Partial<Record<WorkStage, Omit<StageProgress, 'etaSeconds'>>>;
export type StageClocks = Partial<Record<WorkStage, StageClock>>;

/** Share of the job's percent each stage carries; being accepted counts for the rest (5). */
const WEIGHTS: Record<WorkStage, number> = { extract: 45, translate: 40, render: 10 };
const ACCEPTED = 5;
/** A rate needs this much observed time before it is trusted for an ETA. */
const MIN_OBSERVED_MS = 1_000;

/**
 * Seconds left in a stage at the rate observed since its clock started; 0 once done,
 * undefined while there is no rate yet (less than a second observed, or no advance).
 */
export function stageEtaSeconds(
  done: number,
  total: number,
  clock: StageClock | undefined,
  now: number,
): number | undefined {
  if (total > 0 && done >= total) return 0;
  if (!clock) return undefined;
  const elapsed = now - clock.at;
  const advanced = done - clock.done;
  if (elapsed < MIN_OBSERVED_MS || advanced <= 0) return undefined;
  return Math.round(((total - done) * elapsed) / advanced / 1000);
}

/** Starts the clock of every stage seen under way for the first time (mutates and returns `clocks`). */
export function startClocks(counts: StageCounts, clocks: StageClocks, now: number): StageClocks {
  for (const stage of WORK_STAGES) {
    const c = counts[stage];
    if (c && !clocks[stage] && c.done < c.total) clocks[stage] = { at: now, done: c.done };
  }
  return clocks;
}

/**
 * The job's progress: percent weighted by stage, each stage's counts with its ETA, and
 * the job's ETA, the longest of the stages under way (extraction and translation of
 * different chunks overlap). A stage not yet started has no ETA, so the job's ETA covers
 * the stages under way; rendering adds its own once it starts.
 */
export function composeProgress(
  counts: StageCounts,
  clocks: StageClocks,
  now: number,
  finished = false,
): JobProgress {
  const stages: JobProgress['stages'] = {};
  let percent = ACCEPTED;
  let eta: number | undefined;
  for (const stage of WORK_STAGES) {
    const c = counts[stage];
    if (!c) continue;
    const done = finished ? c.total : Math.min(c.done, c.total);
    const stageEta = finished ? 0 : stageEtaSeconds(done, c.total, clocks[stage], now);
    stages[stage] = {
      done,
      total: c.total,
      unit: c.unit,
      ...(stageEta !== undefined ? { etaSeconds: stageEta } : {}),
    };
    percent += WEIGHTS[stage] * (c.total > 0 ? done / c.total : 0);
    if (stageEta !== undefined && done < c.total) eta = Math.max(eta ?? 0, stageEta);
  }
  return {
    percent: finished ? 100 : Math.min(99, Math.floor(percent)),
    stages,
    ...(eta !== undefined ? { etaSeconds: eta } : {}),
  };
}

/** Progress of a pipeline run in one process (the CLI): counts in, job progress out. */
export class ProgressEstimator {
  private readonly counts: StageCounts = {};
  private readonly clocks: StageClocks = {};

  constructor(private readonly now: () => number = Date.now) {}

  update(stage: WorkStage, done: number, total: number, unit: StageProgress['unit']): JobProgress {
    this.counts[stage] = { done, total, unit };
    // Earlier stages are over once a later one reports.
    for (const earlier of WORK_STAGES.slice(0, WORK_STAGES.indexOf(stage))) {
      const c = this.counts[earlier];
      if (c) c.done = c.total;
    }
    const now = this.now();
    startClocks(this.counts, this.clocks, now);
    return composeProgress(this.counts, this.clocks, now);
  }

  finish(): JobProgress {
    return composeProgress(this.counts, this.clocks, this.now(), true);
  }
}
