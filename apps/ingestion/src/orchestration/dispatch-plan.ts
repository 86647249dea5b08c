/** What dispatch needs of a pending chunk step. */
export interface PendingStep {
  user_id: string;
  job_id: string;
  chunk: number;
}

export interface DispatchInput<T extends PendingStep> {
  /** Steps the live workers of the queue run at once (at least one is assumed). */
  capacity: number;
  /** Slots of the queue one account may not take while it holds the rest, kept for other accounts. */
  reservedSlots: number;
  /** Upper bound per account from configuration. */
  userMax: number;
  /** Steps of the queue already dispatched or running, per job. */
  inFlight: readonly { user_id: string; job_id: string; n: number }[];
  /** Pending steps, oldest job first within each account. */
  pending: readonly T[];
  /** When each account last got a slot on this queue (absent: not recently). */
  lastServed?: ReadonlyMap<string, number>;
}

/**
 * Which pending steps to put in flight on one queue. The queue never holds more steps
 * than its workers can run, so nothing waits behind work it cannot start. An account alone
 * (and one job) gets at most capacity minus the reserved slots, so a second account's
 * step starts on a free slot instead of behind a long run of the first's; accounts with
 * work on the same queue share its slots equally (slots already taken are not revoked,
 * the share applies as they free up). Free slots go
 * to the account with the fewest steps in flight, on a tie to the one served least
 * recently (so two accounts alternate on a single slot), then to the oldest job.
 */
export function planDispatch<T extends PendingStep>(input: DispatchInput<T>): T[] {
  const slots = Math.max(1, input.capacity);
  const accounts = new Set([
    ...input.inFlight.map((f) => f.user_id),
    ...input.pending.map((p) => p.user_id),
  ]).size;
  // Alone, an account leaves the reserved slots free for whoever comes next; with company,
  // each gets an equal share of the slots (at least one).
  const share = accounts > 1 ? Math.floor(slots / accounts) : slots - input.reservedSlots;
  const perUser = Math.max(1, Math.min(input.userMax, share));
  const perJob = perUser;
  const byUser = new Map<string, number>();
  const byJob = new Map<string, number>();
  let free = slots;
  for (const f of input.inFlight) {
    byUser.set(f.user_id, (byUser.get(f.user_id) ?? 0) + f.n);
    byJob.set(f.job_id, (byJob.get(f.job_id) ?? 0) + f.n);
    free -= f.n;
  }
  const queues = new Map<string, T[]>();
  for (const step of input.pending) {
    const list = queues.get(step.user_id);
    if (list) list.push(step);
    else queues.set(step.user_id, [step]);
  }
  const served = new Map(input.lastServed);
  const out: T[] = [];
  let tick = Math.max(0, ...served.values());
  while (free > 0) {
    let best: { user: string; count: number; next: T; served: number } | undefined;
    for (const [user, list] of queues) {
      const count = byUser.get(user) ?? 0;
      const next =
        count < perUser ? list.find((s) => (byJob.get(s.job_id) ?? 0) < perJob) : undefined;
      if (!next) {
        queues.delete(user);
        continue;
      }
      const at = served.get(user) ?? -1;
      const better =
        !best ||
        count < best.count ||
        (count === best.count &&
          (at < best.served || (at === best.served && next.job_id < best.next.job_id)));
      if (better) best = { user, count, next, served: at };
    }
    if (!best) break;
    const list = queues.get(best.user)!;
    list.splice(list.indexOf(best.next), 1);
    out.push(best.next);
    byUser.set(best.user, best.count + 1);
    served.set(best.user, (tick += 1));
    byJob.set(best.next.job_id, (byJob.get(best.next.job_id) ?? 0) + 1);
    free -= 1;
  }
  return out;
}
