import { availableParallelism } from 'node:os';
import type { OcrAdapter, OcrAdapterName, OcrLine, Orientation } from './ocr-adapter.js';
import { NativeTesseractAdapter } from './native-tesseract.adapter.js';
import { TesseractJsAdapter } from './tesseract-js.adapter.js';

export type OcrEngineChoice = OcrAdapterName | 'auto';

export interface OcrChoiceOptions {
  /** Images recognised at once; the machine's core count by default. */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
  /** The native binary's name or path. */
  binary?: string;
}

/**
 * The OCR adapter for `choice`. `auto` takes the native `tesseract` binary when it runs and
 * has language data, else tesseract.js; `native` throws when the binary is missing.
 */
export function createOcrAdapter(
  choice: OcrEngineChoice = 'auto',
  opts: OcrChoiceOptions = {},
): OcrAdapter {
  const concurrency = opts.concurrency ?? availableParallelism();
  const env = opts.env ?? process.env;
  if (choice !== 'tesseract-js') {
    const native = NativeTesseractAdapter.detect(opts.binary, concurrency, env);
    if (!(native instanceof Error)) return native;
    if (choice === 'native') throw native;
  }
  return new TesseractJsAdapter(concurrency, env);
}

/**
 * An adapter chosen on first use, so a document without scanned pages never looks for an
 * OCR engine. `onChoose` hears which one was taken (for the log).
 */
export class LazyOcrAdapter implements OcrAdapter {
  private inner: OcrAdapter | undefined;

  constructor(
    private readonly choice: OcrEngineChoice = 'auto',
    private readonly onChoose?: (adapter: OcrAdapter) => void,
    private readonly opts: OcrChoiceOptions = {},
  ) {}

  private get adapter(): OcrAdapter {
    if (!this.inner) {
      this.inner = createOcrAdapter(this.choice, this.opts);
      this.onChoose?.(this.inner);
    }
    return this.inner;
  }

  get name(): OcrAdapterName {
    return this.adapter.name;
  }

  get minDpi(): number {
    return this.adapter.minDpi;
  }

  get concurrency(): number {
    return this.inner?.concurrency ?? this.opts.concurrency ?? availableParallelism();
  }

  hasLanguage(language: string): boolean {
    return this.adapter.hasLanguage(language);
  }

  recognize(image: Buffer, language: string): Promise<OcrLine[]> {
    return this.adapter.recognize(image, language);
  }

  orientation(image: Buffer): Promise<Orientation | undefined> {
    return this.adapter.orientation(image);
  }

  async close(): Promise<void> {
    await this.inner?.close();
  }
}
