import { DocatError } from '@docat/contracts';
import { detectLanguage } from './detect.js';
import { EngineError } from './engines/engine-error.js';
import type { Glossary } from './glossary.js';
import {
  memoryEntry,
  memoryKey,
  normalizeSegment,
  type MemoryContext,
  type MemoryEntry,
  type TranslationMemory,
} from './memory/translation-memory.js';
import {
  checkPlaceholders,
  checkStyleTags,
  plainText,
  protectGlossary,
  repairPlaceholders,
  restorePlaceholders,
  stripStyleTags,
  TOKEN_PATTERN,
} from './placeholders.js';
import { abortableSleep, type RateLimit, type RateLimiter } from '@docat/request-limiter';
import {
  defaultEngineTimeouts,
  probeConnection,
  responseTimeoutMs,
  seconds,
} from './engines/timeouts.js';
import type {
  EngineTimeouts,
  BatchSegment,
  EngineName,
  Formality,
  Placeholder,
  RequestGate,
  Segment,
  TranslationEngine,
} from './types.js';

export interface BatchLimits {
  maxChars: number;
  maxSegments: number;
}

export interface RetryPolicy {
  /** Attempts per batch on one engine before moving to the next engine. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export interface TranslatorConfig {
  batch?: Partial<BatchLimits>;
  /** Limits per engine; engines not listed get `defaultLimit`. */
  limits?: Partial<Record<EngineName, RateLimit>>;
  defaultLimit?: RateLimit;
  retry?: Partial<RetryPolicy>;
  /** Key under which an engine's limits are counted (shared across pods with the Redis limiter). */
  limiterKey?: (engine: TranslationEngine) => string;
  random?: () => number;
}

/** One attempt of a batch on an engine, as metrics see it (cancelled attempts are not reported). */
export interface EngineCall {
  engine: EngineName;
  outcome: 'ok' | 'error' | 'rate_limited';
  seconds: number;
  billedCharacters: number;
  /** This attempt's number for its batch on this engine (1 for the first). */
  attempt: number;
  /** A failed attempt that the translator tries again (a transient failure, attempts left). */
  willRetry: boolean;
}

export interface TranslatorDeps {
  limiter: RateLimiter;
  memory?: TranslationMemory;
  /** Told of every engine attempt, retries included; must not throw. */
  onEngineCall?: (call: EngineCall) => void;
}

export interface TranslateRequest {
  accountId: string;
  /** The engine the job asked for first, then its fallbacks in order. */
  engines: readonly TranslationEngine[];
  source?: string;
  target: string;
  segments: readonly Segment[];
  glossary?: Glossary;
  glossaryId?: string;
  formality?: Formality;
  context?: { title?: string };
  /** false: neither read nor write translation memory for this call. */
  useMemory?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface SegmentResult {
  id: string;
  /** Final text, placeholders restored. */
  text: string;
  /** Engine that produced the text; null for segments never sent (untranslatable). */
  engine: EngineName | null;
  fromMemory: boolean;
  /** Placeholders came back wrong from every engine and were put back by position. */
  repaired?: boolean;
  /** The engine lost or garbled the segment's inline style pairs: its text is kept, unstyled. */
  styleDropped?: boolean;
}

export interface TranslateWarning {
  kind: 'engine_fallback' | 'pseudo_engine' | 'placeholder_repaired' | 'style_dropped';
  detail: string;
}

export interface TranslateOutcome {
  segments: SegmentResult[];
  /** Final texts by segment id, ready for `reassemble`. */
  texts: Map<string, string>;
  billedCharacters: Partial<Record<EngineName, number>>;
  requests: Partial<Record<EngineName, number>>;
  /** Characters of segment text sent to engines (after placeholders). */
  charactersSent: number;
  memoryHits: number;
  source?: string;
  detectedSource?: string;
  warnings: TranslateWarning[];
}

export const DEFAULT_BATCH: BatchLimits = { maxChars: 4000, maxSegments: 50 };
export const DEFAULT_LIMIT: RateLimit = { concurrency: 4, requests: 60, perMs: 60_000 };
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, maxMs: 30_000 };

/** Unique normalized text of one or more segments: translated once, restored per segment. */
interface WorkItem {
  id: string;
  text: string;
  segments: Segment[];
}

interface Prepared {
  item: WorkItem;
  text: string;
  glossaryPlaceholders: Placeholder[];
}

class CallState {
  readonly down = new Set<EngineName>();
  /** Why each engine in `down` failed: named in the error when no engine is left. */
  readonly failures = new Map<EngineName, EngineError>();
  readonly pausedUntil = new Map<EngineName, number>();
  readonly billed: Partial<Record<EngineName, number>> = {};
  readonly requests: Partial<Record<EngineName, number>> = {};
  readonly warnings: TranslateWarning[] = [];
  readonly results = new Map<string, SegmentResult>();
  charactersSent = 0;
  /** Memory writes still in flight; awaited before translate() settles. */
  readonly writes: Promise<unknown>[] = [];
  detectedSource?: string;
  done = 0;
  /** Document order of segments, for the neighbouring text LLM prompts carry. */
  readonly position = new Map<string, number>();
  segments: readonly Segment[] = [];
}

const NEIGHBOUR_CHARS = 300;

/**
 * The engine's failure as one line its user can act on ("deepl: Authorization failure,
 * check auth_key"): whitespace collapsed, cut at 300 characters, and every run of 32 or
 * more letters, digits, `-` and `_` masked, since a provider may echo a key (even masked
 * in part) and the message reaches the job's owner, who may not be the key's.
 */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return '';
  const line = err.message
    .replace(/\s+/gu, ' ')
    .replace(/[A-Za-z0-9_-]{32,}/gu, '…')
    .trim();
  if (line === '') return '';
  return `: ${line.length > 300 ? `${line.slice(0, 299)}…` : line}`;
}

/**
 * The job's error code for the last engine failure: ENGINE_TIMEOUT when it never
 * answered in time, ENGINE_AUTH when it refused its credentials (401, 403), ENGINE_FAILED
 * for any other refusal, ENGINE_UNAVAILABLE for the passing failures (5xx, 429, network).
 */
function failureCode(
  err: unknown,
): 'ENGINE_TIMEOUT' | 'ENGINE_AUTH' | 'ENGINE_FAILED' | 'ENGINE_UNAVAILABLE' {
  if (!(err instanceof EngineError)) return 'ENGINE_UNAVAILABLE';
  if (err.kind === 'timeout') return 'ENGINE_TIMEOUT';
  if (err.retryable) return 'ENGINE_UNAVAILABLE';
  if (err.kind === 'rejected' && (err.status === 401 || err.status === 403)) return 'ENGINE_AUTH';
  return 'ENGINE_FAILED';
}

/**
 * `send` within `ms`, else a `timeout` EngineError (and `attempt` aborted, so an SDK that
 * takes a signal drops the request). A host that has not answered by `connectMs` is
 * probed: one that takes no connection fails the attempt then, not at `ms`.
 */
function withinTime<T>(
  engine: TranslationEngine,
  send: () => Promise<T>,
  timeouts: EngineTimeouts,
  ms: number,
  attempt: AbortController,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const clear = (): void => {
      settled = true;
      clearTimeout(timer);
      clearTimeout(probe);
    };
    const fail = (message: string): void => {
      if (settled) return;
      clear();
      const err = new EngineError(engine.name, 'timeout', message);
      reject(err);
      attempt.abort(err);
    };
    const where = engine.host ?? 'its server';
    const timer = setTimeout(
      () => fail(`no answer from ${where} in ${seconds(Math.max(0, ms))}`),
      Math.max(0, ms),
    );
    const host = engine.host;
    const probe =
      host && timeouts.connectMs < ms
        ? setTimeout(() => {
            void probeConnection(host, timeouts.connectMs).then((reason) => {
              if (reason) fail(reason);
            });
          }, timeouts.connectMs)
        : undefined;
    send().then(
      (value) => {
        if (settled) return;
        clear();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        clear();
        reject(err);
      },
    );
  });
}

function cancelled(signal: AbortSignal | undefined): DocatError {
  const reason: unknown = signal?.reason;
  return reason instanceof DocatError ? reason : new DocatError('JOB_CANCELLED');
}

/** Reject as soon as the signal aborts, even if the wrapped call (an SDK without abort support) runs on. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The scheduler: memory first, then batches of unseen segments through the engine
 * chain under per-engine concurrency and rate limits, with retries, Retry-After,
 * fallback and placeholder validation. One Translator serves many calls.
 */
export class Translator {
  private readonly batch: BatchLimits;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;

  constructor(
    private readonly deps: TranslatorDeps,
    private readonly config: TranslatorConfig = {},
  ) {
    this.batch = { ...DEFAULT_BATCH, ...config.batch };
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    this.random = config.random ?? Math.random;
  }

  private limitFor(engine: TranslationEngine): RateLimit {
    return this.config.limits?.[engine.name] ?? this.config.defaultLimit ?? DEFAULT_LIMIT;
  }

  private limiterKey(engine: TranslationEngine): string {
    return this.config.limiterKey?.(engine) ?? `engine:${engine.name}`;
  }

  async translate(req: TranslateRequest): Promise<TranslateOutcome> {
    const signal = req.signal;
    if (signal?.aborted) throw cancelled(signal);
    const chain = this.chainFor(req.engines);
    const state = new CallState();
    state.segments = req.segments;
    req.segments.forEach((s, i) => state.position.set(s.id, i));
    if (chain[0]!.name === 'pseudo')
      state.warnings.push({
        kind: 'pseudo_engine',
        detail: 'pseudo engine: output is not a real translation',
      });
    const total = req.segments.length;
    const progress = (n: number): void => {
      state.done += n;
      req.onProgress?.({ done: state.done, total });
    };

    const source =
      req.source ??
      detectLanguage(req.segments.map((s) => s.text.replace(TOKEN_PATTERN, ' ')))?.language;
    const items = new Map<string, WorkItem>();
    let untranslatable = 0;
    for (const segment of req.segments) {
      if (segment.untranslatable) {
        state.results.set(segment.id, {
          id: segment.id,
          text: restorePlaceholders(segment.text, segment.protected),
          engine: null,
          fromMemory: false,
        });
        untranslatable++;
        continue;
      }
      const normalized = normalizeSegment(segment.text);
      let item = items.get(normalized);
      if (!item) {
        item = { id: `u${items.size}`, text: normalized, segments: [] };
        items.set(normalized, item);
      }
      item.segments.push(segment);
    }
    if (untranslatable > 0) progress(untranslatable);

    const useMemory = req.useMemory !== false && this.deps.memory !== undefined;
    let pending = [...items.values()];
    let memoryHits = 0;
    if (useMemory) {
      const before = pending.length;
      pending = await this.fromMemory(req, chain, source, pending, state, progress);
      memoryHits = before - pending.length;
    }

    const batches = this.makeBatches(pending, chain[0]!, req);
    const queue = [...batches];
    const workers = Math.max(1, Math.min(this.limitFor(chain[0]!).concurrency, queue.length));
    const run = async (): Promise<void> => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        if (signal?.aborted) throw cancelled(signal);
        await this.translateItems(req, chain, 0, batch, source, state, useMemory, progress);
      }
    };
    try {
      await Promise.all(
        Array.from({ length: workers }, () =>
          run().catch((err: unknown) => {
            // The first failure stops the other workers from starting new batches.
            queue.length = 0;
            throw err;
          }),
        ),
      );
    } catch (err) {
      if (signal?.aborted) throw cancelled(signal);
      throw err;
    } finally {
      // Whatever was translated is remembered, even when the call fails: a retried job
      // then pays only for what is missing. A process may exit right after this returns.
      await Promise.allSettled(state.writes);
    }

    const segments = req.segments.map((s) => state.results.get(s.id)!);
    return {
      segments,
      texts: new Map(segments.map((s) => [s.id, s.text])),
      billedCharacters: state.billed,
      requests: state.requests,
      charactersSent: state.charactersSent,
      memoryHits,
      ...(source ? { source } : {}),
      ...(state.detectedSource ? { detectedSource: state.detectedSource } : {}),
      warnings: state.warnings,
    };
  }

  /** The requested engine, then its fallbacks; pseudo never stands in for a real engine. */
  private chainFor(engines: readonly TranslationEngine[]): TranslationEngine[] {
    if (engines.length === 0)
      throw new DocatError('ENGINE_UNAVAILABLE', 'no translation engine is configured');
    if (engines[0]!.name === 'pseudo') return [engines[0]!];
    return engines.filter((e) => e.name !== 'pseudo');
  }

  private memoryContext(
    req: TranslateRequest,
    engine: TranslationEngine,
    source: string | undefined,
  ): MemoryContext {
    return {
      accountId: req.accountId,
      engine: engine.name,
      model: engine.model,
      source: source ?? 'auto',
      target: req.target,
      ...(req.glossary ? { glossaryVersion: req.glossary.version } : {}),
      ...(req.formality ? { formality: req.formality } : {}),
      ...(engine.promptVersion ? { promptVersion: engine.promptVersion } : {}),
    };
  }

  private async fromMemory(
    req: TranslateRequest,
    chain: TranslationEngine[],
    source: string | undefined,
    items: WorkItem[],
    state: CallState,
    progress: (n: number) => void,
  ): Promise<WorkItem[]> {
    const keys = new Map<string, { item: WorkItem; engine: TranslationEngine }[]>();
    const allKeys: string[] = [];
    for (const engine of chain) {
      const context = this.memoryContext(req, engine, source);
      for (const item of items) {
        const key = memoryKey(context, item.text);
        allKeys.push(key);
        keys.set(key, [...(keys.get(key) ?? []), { item, engine }]);
      }
    }
    const found = await raceAbort(this.deps.memory!.getMany(allKeys), req.signal);
    const served = new Set<WorkItem>();
    // Keys are in chain order, so the earliest engine's entry wins.
    for (const key of allKeys) {
      const entry = found.get(key);
      if (!entry) continue;
      for (const { item, engine } of keys.get(key)!) {
        if (served.has(item)) continue;
        const glossary = this.prepare(item, engine, req).glossaryPlaceholders;
        if (!this.accept(item, entry.targetText, engine.name, glossary, true, state)) continue;
        served.add(item);
        progress(item.segments.length);
      }
    }
    return items.filter((i) => !served.has(i));
  }

  private prepare(item: WorkItem, engine: TranslationEngine, req: TranslateRequest): Prepared {
    if (!req.glossary || engine.nativeGlossary)
      return { item, text: item.text, glossaryPlaceholders: [] };
    const base = item.segments[0]!.protected;
    const { text, placeholders } = protectGlossary(item.text, base, req.glossary.entries);
    return { item, text, glossaryPlaceholders: placeholders.slice(base.length) };
  }

  /**
   * First-fit packing over the most recent open batches: close to optimal request
   * counts for segments well below the batch size, while batches keep roughly the
   * document's order (which LLM context benefits from).
   */
  private makeBatches(
    items: WorkItem[],
    engine: TranslationEngine,
    req: TranslateRequest,
  ): WorkItem[][] {
    const OPEN = 8;
    const batches: { items: WorkItem[]; chars: number }[] = [];
    for (const item of items) {
      const size = this.prepare(item, engine, req).text.length;
      let target: { items: WorkItem[]; chars: number } | undefined;
      for (let i = Math.max(0, batches.length - OPEN); i < batches.length; i++) {
        const b = batches[i]!;
        if (b.items.length < this.batch.maxSegments && b.chars + size <= this.batch.maxChars) {
          target = b;
          break;
        }
      }
      if (!target) {
        target = { items: [], chars: 0 };
        batches.push(target);
      }
      target.items.push(item);
      target.chars += size;
    }
    return batches.map((b) => b.items);
  }

  /** Record a translation for every segment of an item if its placeholders are intact. */
  private accept(
    item: WorkItem,
    translation: string,
    engine: EngineName,
    glossary: Placeholder[],
    fromMemory: boolean,
    state: CallState,
    repair = false,
  ): boolean {
    const first = item.segments[0]!;
    const all = [...first.protected, ...glossary];
    if (!checkPlaceholders(translation, all).ok) {
      if (!repair) return false;
      translation = repairPlaceholders(translation, all);
      state.warnings.push({
        kind: 'placeholder_repaired',
        detail: `segment ${first.id}: placeholders restored by position`,
      });
    }
    // Lost or garbled style pairs cost the style, never the text: no re-ask, no fallback.
    const styleDropped = !checkStyleTags(translation, all);
    if (styleDropped) {
      translation = stripStyleTags(translation, all);
      state.warnings.push({
        kind: 'style_dropped',
        detail: `segment ${first.id}: ${engine} lost its inline styles (bold, italic or links); the text is kept without them`,
      });
    }
    for (const segment of item.segments) {
      state.results.set(segment.id, {
        id: segment.id,
        text: restorePlaceholders(translation, [...segment.protected, ...glossary]),
        engine,
        fromMemory,
        ...(repair ? { repaired: true } : {}),
        ...(styleDropped ? { styleDropped: true } : {}),
      });
    }
    return true;
  }

  private async translateItems(
    req: TranslateRequest,
    chain: TranslationEngine[],
    from: number,
    items: WorkItem[],
    source: string | undefined,
    state: CallState,
    useMemory: boolean,
    progress: (n: number) => void,
  ): Promise<void> {
    let lastError: unknown;
    for (let index = from; index < chain.length; index++) {
      const engine = chain[index]!;
      if (state.down.has(engine.name)) continue;
      const prepared = items.map((item) => this.prepare(item, engine, req));
      let translations: Map<string, string>;
      try {
        translations = await this.callEngine(req, engine, prepared, source, state);
      } catch (err) {
        if (err instanceof DocatError && err.code === 'JOB_CANCELLED') throw err;
        if (req.signal?.aborted) throw cancelled(req.signal);
        // Only the engine's own failures count against it. Anything else (the shared request
        // limiter's Redis gone for a moment) is no reason to fall back to another engine or to
        // fail the job as ENGINE_UNAVAILABLE: it goes up as it is, and the step is retried.
        if (!(err instanceof EngineError)) throw err;
        lastError = err;
        state.down.add(engine.name);
        state.failures.set(engine.name, err);
        if (index + 1 < chain.length) {
          state.warnings.push({
            kind: 'engine_fallback',
            detail: `${engine.name} failed (${err instanceof Error ? err.message : String(err)}); using ${chain[index + 1]!.name}`,
          });
        }
        continue;
      }
      let invalid = this.acceptAll(
        prepared,
        translations,
        engine,
        state,
        useMemory,
        req,
        source,
        progress,
      );
      if (invalid.length > 0) {
        // One more try, each bad segment alone, before giving it to the next engine.
        const retried = new Map<string, string>();
        for (const p of invalid) {
          try {
            for (const [id, text] of await this.callEngine(req, engine, [p], source, state))
              retried.set(id, text);
          } catch {
            // The segment stays invalid and goes to the next engine (or is repaired).
            if (req.signal?.aborted) throw cancelled(req.signal);
          }
        }
        invalid = this.acceptAll(invalid, retried, engine, state, useMemory, req, source, progress);
      }
      if (invalid.length === 0) return;
      if (index + 1 < chain.length) {
        await this.translateItems(
          req,
          chain,
          index + 1,
          invalid.map((p) => p.item),
          source,
          state,
          useMemory,
          progress,
        );
        return;
      }
      for (const p of invalid) {
        this.accept(
          p.item,
          translations.get(p.item.id) ?? p.text,
          engine.name,
          p.glossaryPlaceholders,
          false,
          state,
          true,
        );
        progress(p.item.segments.length);
      }
      return;
    }
    // An engine marked down by an earlier batch was not asked again: its failure then is the reason.
    lastError ??= chain.map((e) => state.failures.get(e.name)).findLast((e) => e !== undefined);
    const names = chain.map((e) => e.name).join(', ');
    throw new DocatError(
      failureCode(lastError),
      `no engine could translate the batch (${names})${reasonOf(lastError)}`,
      { cause: lastError },
    );
  }

  private acceptAll(
    prepared: Prepared[],
    translations: Map<string, string>,
    engine: TranslationEngine,
    state: CallState,
    useMemory: boolean,
    req: TranslateRequest,
    source: string | undefined,
    progress: (n: number) => void,
  ): Prepared[] {
    const invalid: Prepared[] = [];
    const entries: MemoryEntry[] = [];
    const context = this.memoryContext(req, engine, source);
    for (const p of prepared) {
      const text = translations.get(p.item.id);
      if (
        text === undefined ||
        !this.accept(p.item, text, engine.name, p.glossaryPlaceholders, false, state)
      ) {
        invalid.push(p);
        continue;
      }
      progress(p.item.segments.length);
      if (useMemory) entries.push(memoryEntry(context, p.item.text, text, req.glossaryId));
    }
    if (entries.length > 0) {
      // Memory writes are best effort: a failed write costs a re-translation later, not this job.
      state.writes.push(this.deps.memory!.putMany(entries).catch(() => undefined));
    }
    return invalid;
  }

  /** Source text just before and just after the batch in the document, placeholders restored. */
  private neighbours(prepared: Prepared[], state: CallState): string[] {
    const positions = prepared.flatMap((p) =>
      p.item.segments.map((s) => state.position.get(s.id) ?? -1),
    );
    const around = [Math.min(...positions) - 1, Math.max(...positions) + 1];
    return around
      .map((i) => state.segments[i])
      .filter((s): s is Segment => s !== undefined && !s.untranslatable)
      .map((s) => plainText(s.text, s.protected).slice(0, NEIGHBOUR_CHARS));
  }

  /** One batch on one engine, with retries; returns translations by work item id. */
  private async callEngine(
    req: TranslateRequest,
    engine: TranslationEngine,
    prepared: Prepared[],
    source: string | undefined,
    state: CallState,
  ): Promise<Map<string, string>> {
    const signal = req.signal;
    const limit = this.limitFor(engine);
    const key = this.limiterKey(engine);
    const segments: BatchSegment[] = prepared.map((p) => ({ id: p.item.id, text: p.text }));
    // Each request may take the time its size needs; every attempt of the batch ends by the
    // deadline, counted from the first request sent (time queued in the limiter is not the
    // provider's), and never before one whole request had its time.
    const timeouts = engine.timeouts ?? defaultEngineTimeouts(engine.name);
    const requestMs = responseTimeoutMs(
      timeouts,
      segments.reduce((n, s) => n + s.text.length, 0),
    );
    let firstSentAt: number | undefined;
    const deadlineAt = (): number =>
      (firstSentAt ?? Date.now()) + Math.max(timeouts.deadlineMs, requestMs);
    let current = new AbortController();
    const gate: RequestGate = async (send) => {
      const paused = (state.pausedUntil.get(engine.name) ?? 0) - Date.now();
      if (paused > 0) await abortableSleep(paused, signal);
      const lease = await this.deps.limiter.acquire(key, limit, signal);
      state.requests[engine.name] = (state.requests[engine.name] ?? 0) + 1;
      try {
        lease.started();
        firstSentAt ??= Date.now();
        const ms = Math.min(requestMs, deadlineAt() - Date.now());
        return await raceAbort(withinTime(engine, send, timeouts, ms, current), signal);
      } finally {
        await lease.release();
      }
    };
    const glossary =
      req.glossary && req.glossary.entries.length > 0 ? req.glossary.entries : undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelled(signal);
      current = new AbortController();
      const attemptSignal = signal ? AbortSignal.any([signal, current.signal]) : current.signal;
      const startedAt = performance.now();
      const report = (
        outcome: EngineCall['outcome'],
        billedCharacters = 0,
        willRetry = false,
      ): void =>
        this.deps.onEngineCall?.({
          engine: engine.name,
          outcome,
          seconds: (performance.now() - startedAt) / 1000,
          billedCharacters,
          attempt,
          willRetry,
        });
      try {
        const result = await raceAbort(
          engine.translateBatch({
            ...(source ? { source } : {}),
            target: req.target,
            segments,
            ...(glossary ? { glossary } : {}),
            context: {
              ...(req.context?.title ? { title: req.context.title } : {}),
              neighbours: this.neighbours(prepared, state),
            },
            ...(req.formality ? { formality: req.formality } : {}),
            signal: attemptSignal,
            gate,
          }),
          signal,
        );
        // The engine says whether it is paid: a free engine (pseudo, a self-hosted
        // LibreTranslate) reports what it was sent, but nothing of it is billed.
        const billed = engine.paid ? result.billedCharacters : 0;
        report('ok', billed);
        state.billed[engine.name] = (state.billed[engine.name] ?? 0) + billed;
        state.charactersSent += segments.reduce((n, s) => n + s.text.length, 0);
        if (result.detectedSource && !state.detectedSource)
          state.detectedSource = result.detectedSource;
        return new Map(result.translations.map((t) => [t.id, t.text]));
      } catch (caught) {
        if (signal?.aborted) throw cancelled(signal);
        // An attempt this scheduler timed out failed for that, whatever the SDK made of it
        // (an abort error, or its own "Connection error." around the rejected fetch).
        const reason: unknown = current.signal.reason;
        const err = current.signal.aborted && reason instanceof EngineError ? reason : caught;
        const backoff = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
        // Equal jitter: half fixed, half random, so retrying workers spread out.
        let delay = backoff / 2 + (this.random() * backoff) / 2;
        // A provider's Retry-After is waited for whatever the deadline; any other wait must
        // leave the next attempt time before it.
        const inTime =
          err instanceof EngineError &&
          (err.kind === 'rate_limited' || Date.now() + delay < deadlineAt());
        const retry =
          err instanceof EngineError && err.retryable && attempt < this.retry.attempts && inTime;
        report(
          err instanceof EngineError && err.kind === 'rate_limited' ? 'rate_limited' : 'error',
          0,
          retry,
        );
        if (err instanceof EngineError && err.kind === 'timeout' && !retry)
          throw new EngineError(
            engine.name,
            'timeout',
            // The time each request had, not what the deadline left the last one.
            `${err.message.slice(engine.name.length + 2).replace(/ in [\d.]+ s$/u, ` in ${seconds(requestMs)}`)} (${attempt} attempt${attempt === 1 ? '' : 's'} in ${seconds(Date.now() - (firstSentAt ?? Date.now()))}; see ENGINE_RESPONSE_TIMEOUT and ENGINE_DEADLINE)`,
          );
        if (!(err instanceof EngineError) || !retry) throw err;
        if (err.retryAfterMs !== undefined) {
          delay = Math.max(err.retryAfterMs, 0) + this.random() * 50;
          state.pausedUntil.set(
            engine.name,
            Math.max(state.pausedUntil.get(engine.name) ?? 0, Date.now() + err.retryAfterMs),
          );
        }
        await abortableSleep(delay, signal).catch(() => {
          throw cancelled(signal);
        });
      }
    }
  }
}
