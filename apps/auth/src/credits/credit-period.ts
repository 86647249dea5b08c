/** A credits period: `[start, end)` in UTC. */
export interface CreditPeriod {
  start: Date;
  end: Date;
}

export type PeriodKind = 'month' | 'week' | 'day';

const DAY_MS = 86_400_000;

/** The period containing `at`: a calendar month, an ISO week (from Monday) or a day, all from midnight UTC. */
export function periodOf(at: Date, kind: PeriodKind): CreditPeriod {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  if (kind === 'month')
    return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  if (kind === 'day') {
    const start = new Date(Date.UTC(y, m, d));
    return { start, end: new Date(start.getTime() + DAY_MS) };
  }
  const sinceMonday = (at.getUTCDay() + 6) % 7;
  const start = new Date(Date.UTC(y, m, d - sinceMonday));
  return { start, end: new Date(start.getTime() + 7 * DAY_MS) };
}
