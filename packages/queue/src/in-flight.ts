interface Entry {
  controller: AbortController;
  /** Set once a stop decided to hand the job back; the handler's own outcome is then ignored. */
  reclaiming: boolean;
  giveBack: () => Promise<void>;
  settleReturned: () => void;
}

export type RunOutcome = 'done' | 'returned';

/**
 * The jobs a worker is running, so a stop can wait for them, then abort and hand back
 * the ones that outlive the grace period. A handed-back job resolves `returned` at once,
 * even if its handler ignores the signal and runs on: its late result is discarded.
 */
export class InFlightJobs {
  readonly #entries = new Set<Entry>();
  #idle: (() => void)[] = [];
  #closed = false;

  get size(): number {
    return this.#entries.size;
  }

  async run(
    external: AbortSignal | undefined,
    handler: (signal: AbortSignal) => Promise<void>,
    giveBack: () => Promise<void>,
  ): Promise<RunOutcome> {
    if (this.#closed) {
      // Claimed while stopping: hand it straight back without running it.
      await giveBack();
      return 'returned';
    }
    const controller = new AbortController();
    const signal = external ? AbortSignal.any([external, controller.signal]) : controller.signal;
    let settleReturned!: () => void;
    const returned = new Promise<RunOutcome>((resolve) => {
      settleReturned = () => resolve('returned');
    });
    const entry: Entry = { controller, reclaiming: false, giveBack, settleReturned };
    this.#entries.add(entry);
    try {
      const running = Promise.resolve().then(() => handler(signal));
      const outcome = running.then(
        () => (entry.reclaiming ? returned : ('done' as const)),
        (err: unknown) => (entry.reclaiming ? returned : Promise.reject(err)),
      );
      return await Promise.race([outcome, returned]);
    } finally {
      this.#entries.delete(entry);
      if (this.#entries.size === 0) {
        for (const wake of this.#idle.splice(0)) wake();
      }
    }
  }

  /**
   * Waits up to `graceMs` for every running job, then aborts and hands back the rest.
   * Returns how many were handed back.
   */
  async drain(graceMs: number): Promise<number> {
    this.#closed = true;
    if (this.#entries.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const late = [...this.#entries].filter((e) => !e.reclaiming);
    await Promise.all(
      late.map(async (entry) => {
        entry.reclaiming = true;
        entry.controller.abort(new Error('worker stopping: job handed back to the queue'));
        try {
          await entry.giveBack();
        } finally {
          entry.settleReturned();
        }
      }),
    );
    return late.length;
  }
}
