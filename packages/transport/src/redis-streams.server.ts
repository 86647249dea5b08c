import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DocatError } from '@docat/contracts';
import { delay } from './handler-invoker.js';
import { EnvelopeServer, TRANSPORT_ID } from './envelope.server.js';
import { groupByTag, StreamKeys } from './keys.js';
import { HEARTBEAT_SCRIPT, TRIM_SCRIPT } from './lua.js';
import { RedisStreamsContext } from './message.context.js';
import {
  BlockingReader,
  closeConnection,
  openConnection,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection.js';
import { broadcastSet, type RoutingOptions } from './routing.js';
import {
  FIELD,
  encodeReply,
  parseAutoClaimReply,
  parseEnvelope,
  parseEntries,
  parseReadReply,
  parseRequest,
  type ReplyPayload,
  type StreamEntry,
} from './wire.js';

export interface RedisStreamsServerOptions extends RedisConnectionOptions, RoutingOptions {
  /** The service this server answers for: its request stream and consumer group name. */
  service: string;
  /** Key prefix shared by every client and server of one deployment; default `docat`. */
  prefix?: string;
  /** Consumer name inside the groups; default `<service>-<host>-<pid>-<random>`. */
  consumer?: string;
  /** Handlers running at once (requests and work events); default 64. */
  concurrency?: number;
  /** Entries fetched per read; default 32. */
  batchSize?: number;
  /** How long one blocking read waits; default 5,000 ms. */
  blockMs?: number;
  /** A pending entry idle this long belongs to a dead replica and is claimed; default 30,000 ms. */
  claimIdleMs?: number;
  /** How often to look for entries to claim; default claimIdleMs / 2. */
  claimIntervalMs?: number;
  /** How often running handlers refresh their pending entries; default claimIdleMs / 4. */
  heartbeatMs?: number;
  /** How often acknowledged entries are trimmed; default 60,000 ms, 0 turns it off. */
  trimIntervalMs?: number;
  /** How long `close()` waits for running handlers; default 10,000 ms. */
  closeTimeoutMs?: number;
  /** Reply streams are capped at about this many entries; default 10,000. */
  replyMaxLen?: number;
  /** A reply stream nobody writes to expires after this long; default 60,000 ms. */
  replyTtlMs?: number;
  /** Patterns and events this service claims; listen() fails if one has no handler. */
  requiredPatterns?: readonly string[];
}

interface GroupedStream {
  key: string;
  kind: 'rpc' | 'work';
  /** The event a work stream carries. */
  event?: string;
  startId: '0' | '$';
}

export const REDIS_STREAMS_TRANSPORT = TRANSPORT_ID;

/**
 * NestJS transport strategy over Redis Streams.
 *
 * - Requests: one stream per service, one consumer group named after the service, so
 *   exactly one replica handles each request. The group starts at `0`: requests sent
 *   before the service first ran are served when it starts, unless their deadline passed
 *   (then they are acknowledged and dropped, never executed).
 * - Work events: one stream per event, one group per subscribing service (starting at
 *   `$`, the moment the service first subscribed); acknowledged after the handler settles.
 * - Broadcast events: every replica XREADs the stream from its last id at start, no group.
 * - A dead replica's pending entries are XAUTOCLAIMed after `claimIdleMs`; a live one
 *   keeps its running entries fresh so a slow handler is never run twice.
 *
 * A crash after a reply is written but before its XACK re-runs that request on another
 * replica: delivery is at-least-once across crashes, exactly-once otherwise, and
 * handlers with side effects use the envelope's idempotencyKey.
 */
export class RedisStreamsServer extends EnvelopeServer {
  override transportId = REDIS_STREAMS_TRANSPORT;
  readonly service: string;
  readonly consumer: string;
  private readonly keys: StreamKeys;
  private readonly options: RedisStreamsServerOptions;
  private readonly broadcast: ReadonlySet<string>;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;

  private cmd: RedisConnection | undefined;
  private readers: BlockingReader[] = [];
  private loops: Promise<void>[] = [];
  private grouped: GroupedStream[] = [];
  private readonly stop = new AbortController();
  private closing: Promise<void> | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Entries this consumer is running, per grouped stream: refreshed by the heartbeat. */
  private readonly inflight = new Map<string, Set<string>>();
  private readonly running = new Set<Promise<void>>();
  private busy = 0;
  private capacityWaiters: (() => void)[] = [];

  constructor(options: RedisStreamsServerOptions) {
    super();
    this.options = options;
    this.service = options.service;
    this.keys = new StreamKeys(options.prefix ?? 'docat');
    this.keys.rpc(options.service);
    this.consumer =
      options.consumer ??
      `${options.service}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.broadcast = broadcastSet(options);
    this.concurrency = options.concurrency ?? 64;
    this.batchSize = options.batchSize ?? 32;
    this.blockMs = options.blockMs ?? 5_000;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  listen(callback: (err?: unknown, ...info: unknown[]) => void): void {
    this.start().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  on(): never {
    throw new Error('RedisStreamsServer does not emit events; watch the status observable');
  }

  unwrap<T>(): T {
    if (!this.cmd) throw new Error('RedisStreamsServer is not listening');
    return this.cmd as T;
  }

  /** Trims every grouped stream this server reads; returns the entries removed. */
  async trim(): Promise<number> {
    const cmd = this.cmd;
    if (!cmd) return 0;
    let removed = 0;
    for (const stream of this.grouped) {
      const count: unknown = await cmd.call('EVAL', TRIM_SCRIPT, 1, stream.key);
      if (typeof count === 'number') removed += count;
    }
    return removed;
  }

  private async start(): Promise<void> {
    this.checkRequired(this.options.requiredPatterns);
    const patterns = this.handlerPatterns(this.broadcast);
    const cmd = openConnection(this.options, `${this.consumer}:command`, false);
    this.cmd = cmd;

    if (patterns.rpc.length > 0) {
      this.grouped.push({ key: this.keys.rpc(this.service), kind: 'rpc', startId: '0' });
    }
    for (const event of patterns.work) {
      this.grouped.push({ key: this.keys.workEvent(event), kind: 'work', event, startId: '$' });
    }
    for (const stream of this.grouped) await this.ensureGroup(cmd, stream);

    for (const family of groupByTag(this.grouped.map((s) => s.key))) {
      const reader = new BlockingReader(
        openConnection(this.options, `${this.consumer}:read:${family.tag}`, true),
      );
      this.readers.push(reader);
      this.loops.push(this.groupLoop(reader, family.keys));
    }

    const broadcastKeys = patterns.broadcast.map((event) => this.keys.broadcastEvent(event));
    for (const family of groupByTag(broadcastKeys)) {
      const lastIds = new Map<string, string>();
      for (const key of family.keys) {
        const last = parseEntries(await cmd.call('XREVRANGE', key, '+', '-', 'COUNT', 1));
        lastIds.set(key, last[0]?.id ?? '0-0');
      }
      const reader = new BlockingReader(
        openConnection(this.options, `${this.consumer}:read:${family.tag}`, true),
      );
      this.readers.push(reader);
      this.loops.push(this.broadcastLoop(reader, lastIds));
    }

    if (this.grouped.length > 0) {
      const claimEvery =
        this.options.claimIntervalMs ?? Math.max(50, Math.floor(this.claimIdleMs / 2));
      const heartbeatEvery =
        this.options.heartbeatMs ?? Math.max(20, Math.floor(this.claimIdleMs / 4));
      this.every('heartbeat', heartbeatEvery, heartbeatEvery, () => this.heartbeat());
      // The first claim runs at once: a previous run of this service may have left entries.
      this.every('claim', claimEvery, 0, () => this.claim());
      const trimEvery = this.options.trimIntervalMs ?? 60_000;
      if (trimEvery > 0)
        this.every('trim', trimEvery, trimEvery, () => this.trim().then(() => undefined));
    }
    this._status$.next('connected');
  }

  private async ensureGroup(cmd: RedisConnection, stream: GroupedStream): Promise<void> {
    try {
      await cmd.call('XGROUP', 'CREATE', stream.key, this.service, stream.startId, 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
  }

  /** Runs `task` every `ms` (first after `firstMs`), never two runs at once. */
  private every(name: string, ms: number, firstMs: number, task: () => Promise<void>): void {
    const schedule = (wait: number): void => {
      this.timers.set(
        name,
        setTimeout(() => {
          task()
            .catch((err: unknown) => this.logger.error(`stream ${name} failed`, err))
            .finally(() => {
              if (this.timers.has(name)) schedule(ms);
            });
        }, wait),
      );
    };
    schedule(firstMs);
  }

  private async waitForCapacity(): Promise<number> {
    while (this.busy >= this.concurrency && !this.stop.signal.aborted) {
      await new Promise<void>((resolve) => {
        this.capacityWaiters.push(resolve);
        this.stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.stop.signal.aborted ? 0 : this.concurrency - this.busy;
  }

  private async groupLoop(reader: BlockingReader, keys: string[]): Promise<void> {
    while (!this.stop.signal.aborted) {
      const free = await this.waitForCapacity();
      if (free === 0) break;
      let raw: unknown;
      try {
        raw = await reader.call(this.stop.signal, [
          'XREADGROUP',
          'GROUP',
          this.service,
          this.consumer,
          'COUNT',
          Math.min(this.batchSize, free),
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...keys,
          ...keys.map(() => '>'),
        ]);
      } catch (err) {
        if (this.stop.signal.aborted) break;
        if (err instanceof Error && err.message.startsWith('NOGROUP') && this.cmd) {
          // The stream was deleted under us; recreate its group and go on.
          for (const stream of this.grouped) {
            if (keys.includes(stream.key))
              // Recreating a group is retried on the next NOGROUP error; the read loop must go on.
              await this.ensureGroup(this.cmd, stream).catch(() => undefined);
          }
        } else {
          this.logger.error('stream read failed', err);
          await delay(500, this.stop.signal);
        }
        continue;
      }
      for (const batch of parseReadReply(raw)) {
        for (const entry of batch.entries) this.dispatch(batch.key, entry);
      }
    }
  }

  private async broadcastLoop(reader: BlockingReader, lastIds: Map<string, string>): Promise<void> {
    const keys = [...lastIds.keys()];
    while (!this.stop.signal.aborted) {
      let raw: unknown;
      try {
        raw = await reader.call(this.stop.signal, [
          'XREAD',
          'COUNT',
          this.batchSize,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...keys,
          ...keys.map((key) => lastIds.get(key) ?? '0-0'),
        ]);
      } catch (err) {
        if (this.stop.signal.aborted) break;
        this.logger.error('broadcast read failed', err);
        await delay(500, this.stop.signal);
        continue;
      }
      for (const batch of parseReadReply(raw)) {
        for (const entry of batch.entries) {
          lastIds.set(batch.key, entry.id);
          const envelope = parseEnvelope(entry.fields[FIELD.ENVELOPE]);
          if (!envelope) {
            this.logger.warn(`dropped a malformed broadcast entry ${entry.id} on ${batch.key}`);
            continue;
          }
          const context = new RedisStreamsContext(envelope, undefined, batch.key, entry.id);
          this.track(this.executeEvent(envelope, context));
        }
      }
    }
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** Starts handling one grouped entry unless this consumer is already running it. */
  private dispatch(key: string, entry: StreamEntry): void {
    let ids = this.inflight.get(key);
    if (!ids) {
      ids = new Set();
      this.inflight.set(key, ids);
    }
    if (ids.has(entry.id)) return;
    ids.add(entry.id);
    this.busy += 1;
    const stream = this.grouped.find((s) => s.key === key);
    const work = (async () => {
      if (!stream) return;
      if (stream.kind === 'rpc') await this.serveRequest(key, entry);
      else await this.handleWorkEvent(stream, entry);
    })()
      .catch((err: unknown) => this.logger.error(`entry ${entry.id} on ${key} failed`, err))
      .finally(() => {
        ids.delete(entry.id);
        this.busy -= 1;
        const waiters = this.capacityWaiters;
        this.capacityWaiters = [];
        for (const wake of waiters) wake();
      });
    this.track(work);
  }

  private async serveRequest(key: string, entry: StreamEntry): Promise<void> {
    const parsed = parseRequest(entry.fields);
    if (!parsed.ok) {
      this.logger.warn(`dropped request ${entry.id} on ${key}: ${parsed.reason}`);
      if (parsed.replyTo && parsed.correlation && this.keys.isReplyKey(parsed.replyTo)) {
        const error = new DocatError('VALIDATION_FAILED', parsed.reason).toWire();
        await this.reply(parsed.replyTo, parsed.correlation, { ok: false, error });
      }
      return this.ack(key, entry.id);
    }
    const { envelope, replyTo, deadline } = parsed.request;
    if (!this.keys.isReplyKey(replyTo)) {
      this.logger.warn(`dropped request ${entry.id} on ${key}: reply stream outside the prefix`);
      return this.ack(key, entry.id);
    }
    // The caller has given up: running the handler now could only cause side effects
    // nobody waits for.
    if (Date.now() >= deadline) return this.ack(key, entry.id);

    const context = new RedisStreamsContext(envelope, deadline, key, entry.id);
    const payload = await this.executeRequest(envelope, context);
    await this.reply(replyTo, envelope.id, payload);
    await this.ack(key, entry.id);
  }

  private async handleWorkEvent(stream: GroupedStream, entry: StreamEntry): Promise<void> {
    const envelope = parseEnvelope(entry.fields[FIELD.ENVELOPE]);
    if (!envelope || envelope.type !== stream.event) {
      this.logger.warn(`dropped a malformed event entry ${entry.id} on ${stream.key}`);
      return this.ack(stream.key, entry.id);
    }
    await this.executeEvent(
      envelope,
      new RedisStreamsContext(envelope, undefined, stream.key, entry.id),
    );
    await this.ack(stream.key, entry.id);
  }

  private async reply(replyTo: string, correlation: string, payload: ReplyPayload): Promise<void> {
    const cmd = this.command();
    const maxLen = this.options.replyMaxLen ?? 10_000;
    await Promise.all([
      cmd.call(
        'XADD',
        replyTo,
        'MAXLEN',
        '~',
        maxLen,
        '*',
        FIELD.CORRELATION,
        correlation,
        FIELD.PAYLOAD,
        encodeReply(payload),
      ),
      cmd.call('PEXPIRE', replyTo, this.options.replyTtlMs ?? 60_000),
    ]);
  }

  private async ack(key: string, id: string): Promise<void> {
    await this.command().call('XACK', key, this.service, id);
  }

  private command(): RedisConnection {
    if (!this.cmd) throw new Error('RedisStreamsServer is not listening');
    return this.cmd;
  }

  private async heartbeat(): Promise<void> {
    const cmd = this.cmd;
    if (!cmd) return;
    for (const [key, ids] of this.inflight) {
      if (ids.size === 0) continue;
      const all = [...ids];
      for (let i = 0; i < all.length; i += 500) {
        const lost: unknown = await cmd.call(
          'EVAL',
          HEARTBEAT_SCRIPT,
          1,
          key,
          this.service,
          this.consumer,
          ...all.slice(i, i + 500),
        );
        if (Array.isArray(lost) && lost.length > 0) {
          this.logger.warn(`lost ${lost.length} running entries on ${key} to another replica`);
        }
      }
    }
  }

  private async claim(): Promise<void> {
    const cmd = this.cmd;
    if (!cmd) return;
    for (const stream of this.grouped) {
      let cursor = '0-0';
      do {
        const free = this.stop.signal.aborted ? 0 : this.concurrency - this.busy;
        if (free <= 0) return;
        const reply = parseAutoClaimReply(
          await cmd.call(
            'XAUTOCLAIM',
            stream.key,
            this.service,
            this.consumer,
            this.claimIdleMs,
            cursor,
            'COUNT',
            Math.min(free, 100),
          ),
        );
        cursor = reply.cursor;
        for (const entry of reply.entries) {
          // An entry deleted while pending has no fields left: acknowledge it away.
          if (Object.keys(entry.fields).length === 0) await this.ack(stream.key, entry.id);
          else this.dispatch(stream.key, entry);
        }
      } while (cursor !== '0-0');
    }
  }

  private stopTimer(name: string): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  private async shutdown(): Promise<void> {
    this.stop.abort();
    for (const wake of this.capacityWaiters) wake();
    this.capacityWaiters = [];
    const cmd = this.cmd;
    const loopsDone = Promise.allSettled(this.loops);
    let ended = false;
    void loopsDone.then(() => (ended = true));
    // A read sent just as close() began may reach Redis after the first UNBLOCK: repeat.
    while (!ended && cmd) {
      await Promise.all(this.readers.map((reader) => reader.unblock(cmd)));
      await Promise.race([loopsDone, delay(50)]);
    }
    await loopsDone;
    this.stopTimer('claim');
    this.stopTimer('trim');
    // The heartbeat keeps running handlers' entries claimed while they finish.
    const timeout = this.options.closeTimeoutMs ?? 10_000;
    if (this.running.size > 0) {
      await Promise.race([Promise.allSettled([...this.running]), delay(timeout)]);
    }
    this.stopTimer('heartbeat');
    await Promise.all(this.readers.map((reader) => closeConnection(reader.conn)));
    if (cmd) await closeConnection(cmd);
    this._status$.next('disconnected');
  }
}
