import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { DocatError, makeEnvelope, type Envelope } from '@docat/contracts';
import { startOutgoing } from './trace-context.js';
import type { CallOptions, EmitOptions, EnvelopeClient } from './bus-client.js';
import type { InProcessBus } from './in-process.bus.js';
import { defaultResolveService } from './routing.js';
import { wireCopy } from './wire.js';

export interface InProcessClientOptions {
  /** Default time a call waits for its reply; default 10,000 ms. */
  timeoutMs?: number;
  target?: string;
  resolveService?: (pattern: string) => string;
}

/** Copies a message as the wire would (see `wireCopy`): what Redis cannot carry, neither does this. */
function overTheWire<T>(envelope: Envelope<T>): Envelope {
  return wireCopy(envelope) as Envelope;
}

/** The standalone-mode ClientProxy: requests and events through an InProcessBus. */
export class InProcessClient extends ClientProxy implements EnvelopeClient {
  private readonly bus: InProcessBus;
  private readonly options: InProcessClientOptions;
  private readonly pending = new Set<(packet: WritePacket) => void>();
  private readonly cancels = new Map<(packet: WritePacket) => void, () => void>();
  private closed = false;

  constructor(bus: InProcessBus, options: InProcessClientOptions = {}) {
    super();
    this.bus = bus;
    this.options = options;
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  connect(): Promise<void> {
    if (this.closed)
      return Promise.reject(new DocatError('SERVICE_UNAVAILABLE', 'the client is closed'));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const respond of [...this.pending]) {
      this.cancels.get(respond)?.();
      respond({ err: new DocatError('SERVICE_UNAVAILABLE', 'the client closed') });
    }
    this.pending.clear();
    this.cancels.clear();
    return Promise.resolve();
  }

  override on(): never {
    throw new Error('InProcessClient does not emit events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  sendWith<TRes>(pattern: string, data: unknown, options: CallOptions = {}): Observable<TRes> {
    return new Observable<TRes>((observer) =>
      this.request(pattern, data, options, this.createObserver(observer)),
    );
  }

  async emitWith(event: string, data: unknown, options: EmitOptions = {}): Promise<void> {
    await this.connect();
    const span = startOutgoing('event', event);
    try {
      this.bus.publish(overTheWire(span.stamp(makeEnvelope(event, 1, data, options.context))));
      span.end();
    } catch (err) {
      span.end(err);
      throw err;
    }
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    return this.request(this.normalizePattern(packet.pattern), packet.data, {}, callback);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    await this.emitWith(this.normalizePattern(packet.pattern), packet.data);
    return undefined as T;
  }

  private request(
    pattern: string,
    data: unknown,
    options: CallOptions,
    respond: (packet: WritePacket) => void,
  ): () => void {
    if (this.closed) {
      respond({ err: new DocatError('SERVICE_UNAVAILABLE', 'the client is closed') });
      return () => undefined;
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const service =
      this.options.target ?? (this.options.resolveService ?? defaultResolveService)(pattern);
    let envelope: Envelope;
    const span = startOutgoing('rpc', pattern);
    try {
      envelope = overTheWire(span.stamp(makeEnvelope(pattern, 1, data, options.context)));
    } catch (err) {
      span.end(err);
      respond({
        err: new DocatError('VALIDATION_FAILED', 'the request data cannot be serialized'),
      });
      return () => undefined;
    }
    let done = false;
    const settle = (packet: WritePacket): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.pending.delete(settle);
      this.cancels.delete(settle);
      span.end(packet.err ?? undefined);
      respond(packet);
    };
    const cancel = (): void => this.bus.cancel(service, envelope.id);
    const timer = setTimeout(() => {
      cancel();
      settle({
        err: new DocatError('DEADLINE_EXCEEDED', `${pattern} got no reply within ${timeoutMs} ms`),
      });
    }, timeoutMs);
    this.pending.add(settle);
    this.cancels.set(settle, cancel);
    void this.bus.request(service, envelope, deadline).then((payload) => {
      if (payload.ok) settle({ response: payload.data, isDisposed: true });
      else settle({ err: DocatError.fromWire(payload.error) });
    });
    return () => {
      if (!done) cancel();
      span.end();
      done = true;
      clearTimeout(timer);
      this.pending.delete(settle);
      this.cancels.delete(settle);
    };
  }
}
