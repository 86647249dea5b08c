import type { EngineName, InlineMark } from '@docat/contracts';

export type { EngineName };

export type Formality = 'more' | 'less';

/** One glossary pair: every occurrence of `term` in the source becomes `translation`. */
export interface GlossaryEntry {
  term: string;
  translation: string;
}

export type PlaceholderKind =
  | 'number'
  | 'url'
  | 'email'
  | 'formula'
  | 'code'
  | 'markup'
  | 'glossary'
  | 'style'
  /** A raised or lowered run of prose (a footnote mark, a citation number): kept, set as it was. */
  | 'script';

/** What an inline style pair carries: the properties of its run that differ from the block's. */
export type InlineStyle = Omit<InlineMark, 'start' | 'end'>;

/**
 * A run of text an engine must not touch. The segment text carries `token` in its
 * place; after translation the token is replaced by `restore` (the original run, or the
 * glossary's target term).
 */
export interface Placeholder {
  token: string;
  kind: PlaceholderKind;
  original: string;
  restore: string;
  /**
   * Set on `style` placeholders: a pair `⟦n⟧…⟦/n⟧` around text set in this style. Unlike
   * other tokens the pair wraps words that are translated, and a translation that loses
   * it keeps its text (the style is dropped, with a warning).
   */
  style?: InlineStyle;
}

/** A unit of translation: one sentence, or a whole short block. */
export interface Segment {
  id: string;
  blockId: string;
  /** Table cell index within the block, when the block is a table. */
  cell?: number;
  /** Text with untranslatable runs replaced by placeholder tokens. */
  text: string;
  protected: Placeholder[];
  /** Whitespace that separated this segment from the previous one in its block. */
  lead: string;
  /** True when the text holds nothing but placeholders, whitespace and punctuation. */
  untranslatable: boolean;
}

export interface BatchSegment {
  id: string;
  text: string;
}

/**
 * Wraps every HTTP request an engine makes (re-asks and split batches included), so
 * the scheduler's concurrency and rate limits count real requests.
 */
export type RequestGate = <T>(send: () => Promise<T>) => Promise<T>;

export interface TranslateBatchRequest {
  source?: string;
  target: string;
  segments: BatchSegment[];
  glossary?: GlossaryEntry[];
  context?: { title?: string; neighbours?: string[] };
  formality?: Formality;
  signal?: AbortSignal;
  gate?: RequestGate;
}

export interface TranslateBatchResult {
  translations: BatchSegment[];
  billedCharacters: number;
  detectedSource?: string;
}

export interface EngineLanguages {
  source: string[];
  target: string[];
}

export interface EngineHealth {
  ok: boolean;
  detail?: string;
  /**
   * The provider answered, and refused the credentials (401 or 403): no job on the engine
   * can succeed until its key is changed. Unset when it answered otherwise or not at all.
   */
  refused?: boolean;
}

/**
 * How long the scheduler waits for an engine. An attempt (one HTTP request) may take
 * `responseMs` plus `perThousandCharsMs` for every 1,000 characters it carries; a host
 * that has not answered after `connectMs` is probed, and one that takes no connection
 * then fails the attempt at once. Every attempt of one batch on the engine, retries and
 * their waits included, ends by `deadlineMs` after the first was sent (never before one
 * whole attempt had its time).
 */
export interface EngineTimeouts {
  connectMs: number;
  responseMs: number;
  perThousandCharsMs: number;
  deadlineMs: number;
}

export interface TranslationEngine {
  readonly name: EngineName;
  /** Where the engine's requests go (`api.deepl.com`, `127.0.0.1:5000`): named when it does not answer. */
  readonly host?: string;
  /** The registry sets them from the configuration; the scheduler's defaults otherwise. */
  timeouts?: EngineTimeouts;
  readonly model: string;
  readonly paid: boolean;
  /** The engine applies glossaries itself; otherwise the translator protects terms with placeholders. */
  readonly nativeGlossary: boolean;
  /** Version of the prompt an LLM engine sends; part of translation memory keys. */
  readonly promptVersion?: string;
  translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult>;
  languages(): Promise<EngineLanguages>;
  health(): Promise<EngineHealth>;
}

export const ungated: RequestGate = (send) => send();
