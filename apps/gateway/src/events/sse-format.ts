import { DocatError, type JobEvent } from '@docat/contracts';

/** Browsers reconnect after this long; `Last-Event-ID` then resumes the stream. */
export const SSE_RETRY_MS = 3_000;

const SEQ = /^\d{1,15}$/;

/**
 * Where a stream resumes: the `Last-Event-ID` header (sent by EventSource on reconnect),
 * else the `lastEventId` query parameter, else the start. Event ids are job event seqs.
 */
export function resumeAfter(header: string | string[] | undefined, query: unknown): number {
  const fromQuery =
    typeof query === 'object' && query !== null && 'lastEventId' in query
      ? (query as { lastEventId: unknown }).lastEventId
      : undefined;
  const raw =
    typeof header === 'string' ? header : typeof fromQuery === 'string' ? fromQuery : undefined;
  if (raw === undefined || raw.trim() === '') return 0;
  const text = raw.trim();
  if (!SEQ.test(text))
    throw new DocatError('VALIDATION_FAILED', 'Last-Event-ID must be an event id this stream sent');
  return Number(text);
}

/** One SSE message: the seq as id, the event type as event name, the event as JSON data. */
export function sseEvent(event: JobEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

const TERMINAL_TYPES: ReadonlySet<JobEvent['type']> = new Set(['completed', 'failed', 'cancelled']);

/** The event after which a job's stream has nothing more to say. */
export function isTerminalEvent(event: JobEvent): boolean {
  return TERMINAL_TYPES.has(event.type);
}
