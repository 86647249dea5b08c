import { Injectable } from '@nestjs/common';

const REMEMBER_MS = 60 * 60 * 1000;

/**
 * Jobs cancelled while this replica runs: every in-flight step of a cancelled job is
 * aborted through its signal, and a step of it taken later is dropped unrun.
 */
@Injectable()
export class CancellationRegistry {
  private readonly cancelled = new Map<string, number>();
  private readonly controllers = new Map<string, Set<AbortController>>();

  cancel(jobId: string): void {
    const now = Date.now();
    this.cancelled.set(jobId, now);
    for (const [id, at] of this.cancelled) if (at < now - REMEMBER_MS) this.cancelled.delete(id);
    for (const controller of this.controllers.get(jobId) ?? [])
      controller.abort(new Error(`job ${jobId} was cancelled`));
  }

  isCancelled(jobId: string): boolean {
    return this.cancelled.has(jobId);
  }

  /** A signal aborted when the job is cancelled or `parent` aborts; release it when the step ends. */
  track(jobId: string, parent: AbortSignal): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    let set = this.controllers.get(jobId);
    if (!set) this.controllers.set(jobId, (set = new Set()));
    set.add(controller);
    if (this.isCancelled(jobId)) controller.abort(new Error(`job ${jobId} was cancelled`));
    return {
      signal: AbortSignal.any([parent, controller.signal]),
      release: () => {
        set.delete(controller);
        if (set.size === 0) this.controllers.delete(jobId);
      },
    };
  }
}
