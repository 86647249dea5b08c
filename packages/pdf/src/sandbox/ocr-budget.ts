import { readdirSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';

/** A grant from the budget; `release` gives it back (a second call does nothing). */
export type Release = () => void;

interface Waiter {
  group: object;
  grant: (release: Release) => void;
}

/**
 * The OCR budget of one process: how many OCR runs (one page recognised or its orientation
 * checked, each a single-threaded `tesseract` process or tesseract.js worker) all sandbox
 * children of the process have going at once. Without it every extraction OCRs as many pages
 * at once as the machine has cores, so two extractions in one process (a worker concurrency
 * above one, or standalone mode where every step shares the process) run twice as many OCR
 * processes as cores, and every other step of the process waits for CPU behind them.
 *
 * - At most `cores` runs at once over the whole process.
 * - While any other work is registered as running (another extraction, a probe, a render),
 *   OCR takes at most `cores - 1`, so that work keeps a core to itself instead of queueing
 *   behind a batch's OCR. A run already going is not stopped: the limit applies as runs end.
 * - A freed run goes to the waiting extraction (group) that has the fewest runs going, the
 *   earliest waiter on a tie, so a small scanned job of another account does not wait for a
 *   large one's pages.
 */
export class OcrBudget {
  private inUse = 0;
  private readonly held = new Map<object, number>();
  private readonly waiting: Waiter[] = [];
  /** Registered work (extractions, probes, renders) running in the process now. */
  private work = 0;
  /** Highest number of runs granted at once since the budget was made (tests, logs). */
  peak = 0;
  /**
   * How much lower than the process itself OCR work runs in the scheduler (nice steps,
   * 0 to 19; 0 leaves it as it is): a sandbox child lowers its priority before its first OCR
   * run, so the tesseract processes and tesseract.js threads it starts and the pages it
   * draws for them give the CPU to any other work of the host's Docat processes at once,
   * and still use every core that work leaves idle. The services set it from `OCR_NICE`.
   */
  nice = 0;

  constructor(private cores: number = availableParallelism()) {}

  get size(): number {
    return this.cores;
  }

  /** Changes the core count (tests; a process told to use fewer cores). */
  resize(cores: number): void {
    this.cores = Math.max(1, Math.floor(cores));
    this.pump();
  }

  /** OCR runs allowed at once now. */
  get limit(): number {
    return this.work > 1 ? Math.max(1, this.cores - 1) : this.cores;
  }

  /** OCR runs going now. */
  get running(): number {
    return this.inUse;
  }

  /**
   * Registers running CPU work of this process (an extraction, a probe, a render) until
   * the returned function is called: OCR leaves a core to it while other work runs.
   */
  enter(): Release {
    this.work++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.work--;
      this.pump();
    };
  }

  /**
   * Asks for one OCR run for `group` (an extraction; all its children share it). `grant`
   * is called once a run is free, with the function that gives it back. The returned
   * function withdraws the request if it has not been granted yet.
   */
  request(group: object, grant: (release: Release) => void): () => void {
    const waiter: Waiter = { group, grant };
    this.waiting.push(waiter);
    this.pump();
    return () => {
      const at = this.waiting.indexOf(waiter);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  /** The same as a promise. */
  acquire(group: object): Promise<Release> {
    return new Promise((resolve) => this.request(group, resolve));
  }

  private pump(): void {
    while (this.inUse < this.limit && this.waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        if (
          (this.held.get(this.waiting[i]!.group) ?? 0) <
          (this.held.get(this.waiting[best]!.group) ?? 0)
        )
          best = i;
      }
      const [waiter] = this.waiting.splice(best, 1);
      const { group } = waiter!;
      this.inUse++;
      this.peak = Math.max(this.peak, this.inUse);
      this.held.set(group, (this.held.get(group) ?? 0) + 1);
      let released = false;
      waiter!.grant(() => {
        if (released) return;
        released = true;
        this.inUse--;
        const n = (this.held.get(group) ?? 1) - 1;
        if (n === 0) this.held.delete(group);
        else this.held.set(group, n);
        this.pump();
      });
    }
  }
}

/**
 * Lowers every thread of process `pid` to `nice` steps below this process's own priority
 * (never raising one). On Linux the nice value belongs to each thread, and a thread or
 * process started later takes the value of the thread that starts it, so a child lowered
 * before it starts its OCR processes or worker threads passes the value on to them.
 * Returns the nice value asked for, or undefined when nothing was to be done.
 */
export function lowerPriority(pid: number, nice: number): number | undefined {
  if (nice <= 0) return undefined;
  const target = Math.min(19, getPriority() + nice);
  let threads: number[];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    // No /proc (not Linux): the process's priority is one value.
    threads = [pid];
  }
  for (const thread of threads) {
    try {
      if (getPriority(thread) < target) setPriority(thread, target);
    } catch {
      // Ended meanwhile.
    }
  }
  return target;
}

/** The process's OCR budget, shared by every sandbox child it starts. */
export const ocrBudget = new OcrBudget();
