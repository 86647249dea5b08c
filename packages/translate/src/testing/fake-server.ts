import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake does with one request, instead of answering normally. */
export type FakeFault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** Answer 200 with a reply the client cannot use (provider-specific: bad JSON, a missing id, a lost placeholder). */
  | { kind: 'malformed' }
  /** Answer 200 but lose the first placeholder of every text (machine-translation fakes). */
  | { kind: 'lose-placeholder' }
  /**
   * Hold the request for `ms` before answering normally: past the client's timeout, the
   * client gives up first (counted in `abandoned`).
   */
  | { kind: 'hang'; ms: number };

export interface FakeServerOptions {
  /** Delay before every answer, in milliseconds. */
  latencyMs?: number;
  /** Faults by request number (1-based, counting translation requests only), or a function of it. */
  faults?: Record<number, FakeFault> | ((n: number) => FakeFault | undefined);
  /** Translation the fake applies to each text (markup and placeholder tokens must survive it). */
  translate?: (text: string, target: string) => string;
  /** Credential the fake expects (API key, auth key, bearer token). */
  key?: string;
}

export interface RecordedRequest {
  n: number;
  method: string;
  path: string;
  startedAt: number;
  endedAt?: number;
  status?: number;
  characters: number;
  /** The client closed the connection before the answer (it timed out or was aborted). */
  abandoned?: boolean;
}

export class FakeRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

/** Default fake translation: target tag in front, text untouched so tokens and tags survive. */
export function tagTranslate(text: string, target: string): string {
  return `[${target}] ${text}`;
}

/**
 * Base of the fake provider servers: a local node:http server with latency, a fault
 * schedule, and counters of requests, characters and concurrency. Subclasses speak one
 * provider's wire format and check each request (auth, body shape) before answering.
 */
export abstract class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  /** Highest number of translation requests being handled at once. */
  maxInFlight = 0;
  /** Characters of text received in translation requests. */
  characters = 0;
  /** Bodies of translation requests, in arrival order. */
  readonly bodies: string[] = [];
  /** Requests rejected for a wrong shape or credential (a correct client makes none). */
  readonly rejections: string[] = [];
  /** Translation requests held by a `hang` fault. */
  hung = 0;
  /** Requests whose client closed the connection before the answer. */
  abandoned = 0;
  private inFlight = 0;
  private translationCount = 0;
  private server?: Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  protected readonly options: FakeServerOptions;

  constructor(options: FakeServerOptions = {}) {
    this.options = options;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('fake server not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Translation requests received so far. */
  get translationRequests(): number {
    return this.translationCount;
  }

  protected translateText(text: string, target: string): string {
    return (this.options.translate ?? tagTranslate)(text, target);
  }

  protected abstract isTranslation(method: string, path: string): boolean;

  /** Answer one request; throw FakeRequestError to reject it; count characters through `count`. */
  protected abstract handle(
    req: IncomingMessage,
    url: URL,
    body: string,
    fault: FakeFault | undefined,
    count: (chars: number) => void,
  ): Promise<FakeReply> | FakeReply;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Request start times (ms, performance clock) of translation requests. */
  startTimes(): number[] {
    return this.requests
      .filter((r) => this.isTranslation(r.method, r.path))
      .map((r) => r.startedAt);
  }

  /** Most translation requests started within any window of `windowMs`. */
  maxStartsWithin(windowMs: number): number {
    const times = this.startTimes().sort((a, b) => a - b);
    let best = 0;
    let from = 0;
    for (let to = 0; to < times.length; to++) {
      while (times[to]! - times[from]! >= windowMs) from++;
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  private fault(n: number): FakeFault | undefined {
    const { faults } = this.options;
    if (!faults) return undefined;
    return typeof faults === 'function' ? faults(n) : faults[n];
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const translation = this.isTranslation(method, url.pathname);
    const record: RecordedRequest = {
      n: this.requests.length + 1,
      method,
      path: url.pathname,
      startedAt: performance.now(),
      characters: 0,
    };
    this.requests.push(record);
    let fault: FakeFault | undefined;
    if (translation) {
      this.translationCount++;
      fault = this.fault(this.translationCount);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (translation) this.bodies.push(body);
    let reply: FakeReply;
    try {
      if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
      if (fault?.kind === 'hang') {
        this.hung++;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fault.ms);
          res.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (fault?.kind === 'status') {
        reply = {
          status: fault.status,
          headers: {
            'content-type': 'application/json',
            ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
          },
          body: fault.body ?? this.errorBody(fault.status),
        };
      } else {
        reply = await this.handle(req, url, body, fault, (chars) => {
          record.characters += chars;
          this.characters += chars;
        });
      }
    } catch (err) {
      const status = err instanceof FakeRequestError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      this.rejections.push(`${method} ${url.pathname}: ${message}`);
      reply = {
        status,
        headers: { 'content-type': 'application/json' },
        body: this.errorBody(status, message),
      };
    }
    if (translation) this.inFlight--;
    record.status = reply.status ?? 200;
    record.endedAt = performance.now();
    if (res.destroyed) {
      record.abandoned = true;
      this.abandoned++;
    } else {
      res.writeHead(record.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
    }
  }

  /** Provider-shaped error body. */
  protected errorBody(status: number, message = 'fake fault'): string {
    return JSON.stringify({ error: { code: status, message } });
  }
}

export function requireHeader(req: IncomingMessage, name: string, expected: string): void {
  const value = req.headers[name.toLowerCase()];
  if (value !== expected)
    throw new FakeRequestError(
      name.toLowerCase() === 'authorization' || name.toLowerCase() === 'x-api-key' ? 401 : 400,
      `header ${name} is ${String(value)}, expected ${expected}`,
    );
}

export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new FakeRequestError(400, 'body is not JSON');
  }
}
