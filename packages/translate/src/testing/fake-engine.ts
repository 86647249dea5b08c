import { LANGUAGE_CODES } from '@docat/contracts';
import { EngineError } from '../engines/engine-error.js';
import {
  ungated,
  type EngineHealth,
  type EngineLanguages,
  type EngineName,
  type TranslateBatchRequest,
  type TranslateBatchResult,
  type TranslationEngine,
} from '../types.js';
import { tagTranslate } from './fake-server.js';

export interface FakeEngineOptions {
  name?: EngineName;
  model?: string;
  latencyMs?: number;
  nativeGlossary?: boolean;
  /** Whether the engine bills its characters (default true). */
  paid?: boolean;
  /** Error to throw for request n (1-based), if any. */
  fail?: (n: number) => EngineError | undefined;
  translate?: (text: string, target: string) => string;
}

/** In-process engine for scheduler tests: latency, scripted failures, request and character counts. */
export class FakeEngine implements TranslationEngine {
  readonly name: EngineName;
  readonly model: string;
  readonly paid: boolean;
  readonly nativeGlossary: boolean;
  requests = 0;
  characters = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly startTimes: number[] = [];
  readonly batches: string[][] = [];

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.name = options.name ?? 'openai';
    this.model = options.model ?? 'fake-1';
    this.nativeGlossary = options.nativeGlossary ?? false;
    this.paid = options.paid ?? true;
  }

  async translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult> {
    const gate = req.gate ?? ungated;
    return gate(async () => {
      const n = ++this.requests;
      this.startTimes.push(performance.now());
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
        const error = this.options.fail?.(n);
        if (error) throw error;
        const chars = req.segments.reduce((sum, s) => sum + s.text.length, 0);
        this.characters += chars;
        this.batches.push(req.segments.map((s) => s.id));
        const translate = this.options.translate ?? tagTranslate;
        return {
          translations: req.segments.map((s) => ({
            id: s.id,
            text: translate(s.text, req.target),
          })),
          billedCharacters: chars,
        };
      } finally {
        this.inFlight--;
      }
    });
  }

  async languages(): Promise<EngineLanguages> {
    return { source: [...LANGUAGE_CODES], target: [...LANGUAGE_CODES] };
  }

  async health(): Promise<EngineHealth> {
    return { ok: true };
  }

  /** Most request starts within any window of `windowMs`. */
  maxStartsWithin(windowMs: number): number {
    const times = [...this.startTimes].sort((a, b) => a - b);
    let best = 0;
    let from = 0;
    for (let to = 0; to < times.length; to++) {
      while (times[to]! - times[from]! >= windowMs) from++;
      best = Math.max(best, to - from + 1);
    }
    return best;
  }
}

export function engineError(
  name: EngineName,
  kind: EngineError['kind'],
  retryAfterMs?: number,
): EngineError {
  return new EngineError(name, kind, `scripted ${kind}`, {
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
