import type { JobEvent } from '@docat/contracts';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { client } from './client.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

const TERMINAL_EVENTS: ReadonlySet<JobEvent['type']> = new Set([
  'completed',
  'failed',
  'cancelled',
]);
const DEFAULT_RETRY_MS = 3_000;
const MAX_RETRY_MS = 30_000;

/**
 * Follows `GET /v1/jobs/:id/events`. The browser's EventSource cannot send an
 * Authorization header, so the stream is read with fetch; after a drop it reconnects
 * with `Last-Event-ID` and the server resumes exactly after the last event seen. Ends
 * after the terminal event. Returns the function that stops following.
 */
export function followJob(
  jobId: string,
  onEvent: (event: JobEvent) => void,
  onStatus: (status: StreamStatus) => void,
): () => void {
  const abort = new AbortController();
  let lastEventId: string | null = null;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  async function once(): Promise<'ended' | 'dropped'> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      ...client.authorization(),
    };
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    const response = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`, {
      headers,
      signal: abort.signal,
      credentials: 'same-origin',
    });
    if (response.status === 401 && (await client.refresh())) return 'dropped';
    if (!response.ok || !response.body)
      return response.status >= 400 && response.status < 500 ? 'ended' : 'dropped';
    onStatus('live');
    failures = 0;
    const reader = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(
        new EventSourceParserStream({
          onRetry: (ms) => (retryMs = Math.min(Math.max(ms, 500), MAX_RETRY_MS)),
        }),
      )
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'dropped';
      if (value.id) lastEventId = value.id;
      const event = JSON.parse(value.data) as JobEvent;
      onEvent(event);
      if (TERMINAL_EVENTS.has(event.type)) {
        // The stream is done; a reader already closed by the server has nothing left to cancel.
        await reader.cancel().catch(() => undefined);
        return 'ended';
      }
    }
  }

  void (async () => {
    onStatus('connecting');
    while (!abort.signal.aborted) {
      let outcome: 'ended' | 'dropped';
      try {
        outcome = await once();
      } catch {
        if (abort.signal.aborted) return;
        outcome = 'dropped';
      }
      if (outcome === 'ended') {
        onStatus('ended');
        return;
      }
      onStatus('reconnecting');
      failures += 1;
      await sleep(Math.min(retryMs * failures, MAX_RETRY_MS));
    }
  })();
  return () => abort.abort();
}
