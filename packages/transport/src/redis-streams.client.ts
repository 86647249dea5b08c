import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defer, mergeMap, Observable } from 'rxjs';
import { DocatError, makeEnvelope, uuidv7, type Envelope } from '@docat/contracts';
import type { CallOptions, EmitOptions, EnvelopeClient } from './bus-client.js';
import { StreamKeys } from './keys.js';
import {
  BlockingReader,
  closeConnection,
  openConnection,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection.js';
import { broadcastSet, defaultResolveService, type RoutingOptions } from './routing.js';
import { FIELD, parseReadReply, parseReply } from './wire.js';
import { startOutgoing } from './trace-context.js';

export interface RedisStreamsClientOptions extends RedisConnectionOptions, RoutingOptions {
  /** Key prefix shared with the servers; default `docat`. */
  prefix?: string;
  /** Default time a call waits for its reply; default 10,000 ms. */
  timeoutMs?: number;
  /** Every request goes to this service instead of the pattern's owner. */
  target?: string;
  /** Maps a pattern to the service that answers it; default: contracts owner or prefix. */
  resolveService?: (pattern: string) => string;
  /** Broadcast streams are capped at about this many entries; default 1,000. */
  broadcastMaxLen?: number;
  /** How long one blocking read of the reply stream waits; default 5,000 ms. */
  blockMs?: number;
}

interface PendingCall {
  respond: (packet: WritePacket) => void;
  timer: NodeJS.Timeout;
}

/**
 * ClientProxy over Redis Streams. Requests go to the owning service's stream with an
 * absolute deadline; replies come back on this client's own reply stream (random id per
 * instance), read by one blocking connection, consumed entries trimmed away, the stream
 * expiring when unused. Events go to the work or broadcast stream of the event.
 */
export class RedisStreamsClient extends ClientProxy implements EnvelopeClient {
  readonly clientId = uuidv7();
  private readonly keys: StreamKeys;
  private readonly options: RedisStreamsClientOptions;
  private readonly broadcast: ReadonlySet<string>;
  private readonly replyKey: string;
  private readonly pending = new Map<string, PendingCall>();
  private cmd: RedisConnection | undefined;
  private reader: BlockingReader | undefined;
  private replyLoop: Promise<void> | undefined;
  private closed = false;
  private readonly stopReading = new AbortController();

  constructor(options: RedisStreamsClientOptions = {}) {
    super();
    this.options = options;
    this.keys = new StreamKeys(options.prefix ?? 'docat');
    this.broadcast = broadcastSet(options);
    this.replyKey = this.keys.reply(this.clientId);
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  connect(): Promise<RedisConnection> {
    if (this.closed)
      return Promise.reject(new DocatError('SERVICE_UNAVAILABLE', 'the client is closed'));
    this.cmd ??= openConnection(this.options, `client:${this.clientId}:command`, false);
    return Promise.resolve(this.cmd);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopReading.abort();
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      this.pending.delete(id);
      call.respond({ err: new DocatError('SERVICE_UNAVAILABLE', 'the client closed') });
    }
    // The reply reader may sit in a blocking read; dropping its connection ends it.
    this.reader?.conn.disconnect();
    await this.replyLoop;
    if (this.cmd) await closeConnection(this.cmd);
    this._status$.next('disconnected');
  }

  override on(): never {
    throw new Error('RedisStreamsClient does not emit events; watch the status observable');
  }

  unwrap<T>(): T {
    if (!this.cmd) throw new Error('RedisStreamsClient is not connected');
    return this.cmd as T;
  }

  sendWith<TRes>(pattern: string, data: unknown, options: CallOptions = {}): Observable<TRes> {
    return defer(() => this.connect()).pipe(
      mergeMap(
        () =>
          new Observable<TRes>((observer) => {
            const respond = this.createObserver<TRes>(observer);
            return this.request(pattern, data, options, respond);
          }),
      ),
    );
  }

  async emitWith(event: string, data: unknown, options: EmitOptions = {}): Promise<void> {
    const cmd = await this.connect();
    const span = startOutgoing('event', event);
    const envelope = span.stamp(makeEnvelope(event, 1, data, options.context));
    try {
      await this.appendEvent(cmd, event, envelope);
      span.end();
    } catch (err) {
      span.end(err);
      throw err;
    }
  }

  private async appendEvent(
    cmd: RedisConnection,
    event: string,
    envelope: Envelope,
  ): Promise<void> {
    if (this.broadcast.has(event)) {
      await cmd.call(
        'XADD',
        this.keys.broadcastEvent(event),
        'MAXLEN',
        '~',
        this.options.broadcastMaxLen ?? 1_000,
        '*',
        FIELD.ENVELOPE,
        JSON.stringify(envelope),
      );
    } else {
      await cmd.call(
        'XADD',
        this.keys.workEvent(event),
        '*',
        FIELD.ENVELOPE,
        JSON.stringify(envelope),
      );
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
    const cmd = this.cmd;
    if (this.closed || !cmd) {
      respond({ err: new DocatError('SERVICE_UNAVAILABLE', 'the client is closed') });
      return () => undefined;
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const span = startOutgoing('rpc', pattern);
    const envelope = span.stamp(makeEnvelope(pattern, 1, data, options.context));
    const service =
      this.options.target ?? (this.options.resolveService ?? defaultResolveService)(pattern);
    const settle = (packet: WritePacket): void => {
      const call = this.pending.get(envelope.id);
      if (!call) return;
      clearTimeout(call.timer);
      this.pending.delete(envelope.id);
      span.end(packet.err ?? undefined);
      call.respond(packet);
    };
    const timer = setTimeout(
      () =>
        settle({
          err: new DocatError(
            'DEADLINE_EXCEEDED',
            `${pattern} got no reply within ${timeoutMs} ms`,
          ),
        }),
      timeoutMs,
    );
    this.pending.set(envelope.id, { respond, timer });
    this.startReplyLoop();
    cmd
      .call(
        'XADD',
        this.keys.rpc(service),
        '*',
        FIELD.ENVELOPE,
        JSON.stringify(envelope),
        FIELD.REPLY_TO,
        this.replyKey,
        FIELD.DEADLINE,
        String(deadline),
      )
      .catch(() =>
        settle({ err: new DocatError('SERVICE_UNAVAILABLE', 'the request could not be sent') }),
      );
    return () => {
      const call = this.pending.get(envelope.id);
      if (call) clearTimeout(call.timer);
      this.pending.delete(envelope.id);
      span.end();
    };
  }

  private startReplyLoop(): void {
    if (this.replyLoop) return;
    const reader = new BlockingReader(
      openConnection(this.options, `client:${this.clientId}:replies`, true),
    );
    this.reader = reader;
    this.replyLoop = this.readReplies(reader);
  }

  private async readReplies(reader: BlockingReader): Promise<void> {
    // The reply stream is this client's alone, so reading it from the start misses nothing.
    let lastId = '0-0';
    while (!this.closed) {
      let raw: unknown;
      try {
        raw = await reader.call(this.stopReading.signal, [
          'XREAD',
          'COUNT',
          1_000,
          'BLOCK',
          this.options.blockMs ?? 5_000,
          'STREAMS',
          this.replyKey,
          lastId,
        ]);
      } catch {
        if (this.closed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      let read = false;
      for (const batch of parseReadReply(raw)) {
        for (const entry of batch.entries) {
          lastId = entry.id;
          read = true;
          const reply = parseReply(entry.fields);
          if (!reply) continue;
          const call = this.pending.get(reply.correlation);
          if (!call) continue;
          clearTimeout(call.timer);
          this.pending.delete(reply.correlation);
          if (reply.payload.ok) call.respond({ response: reply.payload.data, isDisposed: true });
          else call.respond({ err: DocatError.fromWire(reply.payload.error) });
        }
      }
      if (read && this.cmd) {
        // Trimming read replies is housekeeping; the stream's MAXLEN bounds it anyway.
        this.cmd.call('XTRIM', this.replyKey, 'MINID', lastId).catch(() => undefined);
      }
    }
  }
}
