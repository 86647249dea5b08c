import type { Envelope } from '@docat/contracts';
import { DocatError } from '@docat/contracts';
import { delay } from './handler-invoker.js';
import { EnvelopeServer } from './envelope.server.js';
import type { InProcessBus, InProcessEndpoint } from './in-process.bus.js';
import { InProcessContext } from './message.context.js';
import type { ReplyPayload } from './wire.js';
import { anyEnvelopeSchema } from './wire.js';

export interface InProcessServerOptions {
  service: string;
  /** How long `close()` waits for running handlers; default 10,000 ms. */
  closeTimeoutMs?: number;
  /** Patterns and events this service claims; listen() fails if one has no handler. */
  requiredPatterns?: readonly string[];
}

/** The standalone-mode transport strategy: handlers served from an InProcessBus. */
export class InProcessServer extends EnvelopeServer implements InProcessEndpoint {
  readonly service: string;
  private readonly bus: InProcessBus;
  private readonly options: InProcessServerOptions;
  private readonly running = new Set<Promise<unknown>>();
  private attached = false;

  constructor(bus: InProcessBus, options: InProcessServerOptions) {
    super();
    this.bus = bus;
    this.options = options;
    this.service = options.service;
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  listen(callback: (err?: unknown, ...info: unknown[]) => void): void {
    try {
      this.checkRequired(this.options.requiredPatterns);
      this.bus.attach(this, this.handlerPatterns(this.bus.broadcast));
      this.attached = true;
      this._status$.next('connected');
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    this.bus.detach(this);
    if (this.running.size > 0) {
      await Promise.race([
        Promise.allSettled([...this.running]),
        delay(this.options.closeTimeoutMs ?? 10_000),
      ]);
    }
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('InProcessServer does not emit events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  deliverRequest(envelope: Envelope, deadline: number): Promise<ReplyPayload> {
    return this.track(this.serve(envelope, deadline));
  }

  deliverEvent(envelope: Envelope): void {
    const parsed = anyEnvelopeSchema.safeParse(envelope);
    if (!parsed.success) {
      this.logger.warn(`dropped a malformed ${envelope.type} event`);
      return;
    }
    void this.track(
      this.executeEvent(envelope, new InProcessContext(envelope, undefined, this.bus.name)),
    );
  }

  private async serve(envelope: Envelope, deadline: number): Promise<ReplyPayload> {
    if (Date.now() >= deadline) {
      return { ok: false, error: new DocatError('DEADLINE_EXCEEDED').toWire() };
    }
    const parsed = anyEnvelopeSchema.safeParse(envelope);
    if (!parsed.success) {
      return { ok: false, error: new DocatError('VALIDATION_FAILED', 'invalid envelope').toWire() };
    }
    return this.executeRequest(envelope, new InProcessContext(envelope, deadline, this.bus.name));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    // The caller of `work` handles its failure; this chain only does the bookkeeping.
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }
}
