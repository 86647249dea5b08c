import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { checkWebhookUrl, guardedLookup, type SsrfGuardOptions } from './ssrf-guard.js';

export interface WebhookPost {
  url: string;
  body: string;
  headers: Record<string, string>;
  guard: SsrfGuardOptions;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WebhookResponse {
  status: number;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * POSTs one delivery. The URL is checked first (IP literals connect without a lookup, so
 * this is their only check) and the connection resolves through `guardedLookup`, so the
 * address connected to is the address checked. Redirects are not followed: a 3xx answer
 * is returned like any other status, and the caller treats only 2xx as delivered.
 * Rejects with WEBHOOK_URL_FORBIDDEN before any connection to a forbidden address.
 */
export async function postWebhook(post: WebhookPost): Promise<WebhookResponse> {
  const target = await checkWebhookUrl(post.url, post.guard);
  // A CLIENT span whose W3C `traceparent` goes out with the delivery, so the receiver
  // can continue the job's trace. Only the host is recorded: paths and queries may hold secrets.
  const span = trace.getTracer('@docat/webhooks').startSpan('POST webhook', {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': 'POST', 'server.address': target.url.hostname },
  });
  const traceHeaders: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), traceHeaders);
  try {
    const response = await deliver(post, target, traceHeaders);
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 400)
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
    return response;
  } catch (err) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: err instanceof Error ? err.message.slice(0, 200) : 'failed',
    });
    throw err;
  } finally {
    span.end();
  }
}

function deliver(
  post: WebhookPost,
  target: Awaited<ReturnType<typeof checkWebhookUrl>>,
  traceHeaders: Record<string, string>,
): Promise<WebhookResponse> {
  const started = Date.now();
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookResponse>((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(target.port, post.guard),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Docat-Webhooks/1',
          'content-length': Buffer.byteLength(post.body),
          ...traceHeaders,
          ...post.headers,
        },
        timeout: post.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(post.signal ? { signal: post.signal } : {}),
      },
      (res: IncomingMessage) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, durationMs: Date.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within ${post.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(post.body);
  });
}
