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
}

/**
 * Which pending steps to put in flight on one queue. The queue never holds more steps
 * than its workers can run, so nothing waits behind work it cannot start; one account
 * (and one job) gets at most capacity minus the reserved slots, so a second account's
 * step starts on a free slot instead of behind a long run of the first's; free slots go
 * to the account with the fewest steps in flight, the oldest job first on a tie.
 */
export function planDispatch<T extends PendingStep>(input: DispatchInput<T>): T[] {
  const slots = Math.max(1, input.capacity);
  const perUser = Math.max(1, Math.min(input.userMax, slots - input.reservedSlots));
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
  const out: T[] = [];
  while (free > 0) {
    let best: { user: string; count: number; next: T } | undefined;
    for (const [user, list] of queues) {
      const count = byUser.get(user) ?? 0;
      const next =
        count < perUser ? list.find((s) => (byJob.get(s.job_id) ?? 0) < perJob) : undefined;
      if (!next) {
        queues.delete(user);
        continue;
      }
      if (!best || count < best.count || (count === best.count && next.job_id < best.next.job_id))
        best = { user, count, next };
    }
    if (!best) break;
    const list = queues.get(best.user)!;
    list.splice(list.indexOf(best.next), 1);
    out.push(best.next);
    byUser.set(best.user, best.count + 1);
    byJob.set(best.next.job_id, (byJob.get(best.next.job_id) ?? 0) + 1);
    free -= 1;
  }
  return out;
}
