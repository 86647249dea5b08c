import { availableParallelism } from 'node:os';
import { createScheduler, createWorker, OEM, type Scheduler } from 'tesseract.js';
import type { Span } from '@docat/contracts';
import type { LanguageData } from './ocr-languages.js';

export interface OcrWord {
  text: string;
  /** Pixel box in the rendered image. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  confidence: number;
}

export interface OcrLine {
  words: OcrWord[];
}

/**
 * A pool of tesseract.js workers per language, as many as the machine has cores.
 * Workers start on first use and read language data from local folders only.
 */
export class OcrPool {
  private readonly schedulers = new Map<string, Promise<Scheduler>>();
  private readonly size: number;

  constructor(size: number = availableParallelism()) {
    this.size = Math.max(1, size);
  }

  private scheduler(data: LanguageData): Promise<Scheduler> {
    let s = this.schedulers.get(data.code);
    if (!s) {
      s = (async () => {
        const scheduler = createScheduler();
        const workers = await Promise.all(
          Array.from({ length: this.size }, () =>
            createWorker(data.code, OEM.LSTM_ONLY, {
              langPath: data.langPath,
              gzip: data.gzip,
              cacheMethod: 'none',
            }),
          ),
        );
        for (const w of workers) scheduler.addWorker(w);
        return scheduler;
      })();
      this.schedulers.set(data.code, s);
    }
    return s;
  }

  async recognize(png: Buffer, data: LanguageData): Promise<OcrLine[]> {
    const scheduler = await this.scheduler(data);
    const result = await scheduler.addJob('recognize', png, {}, { blocks: true, text: false });
    const lines: OcrLine[] = [];
    for (const block of result.data.blocks ?? []) {
      for (const para of block.paragraphs) {
        for (const line of para.lines) {
          const words = line.words
            .filter((w) => w.text.trim() !== '')
            .map((w) => ({ text: w.text, x0: w.bbox.x0, y0: w.bbox.y0, x1: w.bbox.x1, y1: w.bbox.y1, confidence: w.confidence }));
          if (words.length) lines.push({ words });
        }
      }
    }
    return lines;
  }

  async close(): Promise<void> {
    const all = [...this.schedulers.values()];
    this.schedulers.clear();
    await Promise.all(all.map(async (s) => {
      await (await s).terminate();
    }));
  }
}

/** OCR words to spans in PDF points (top-left origin), one span per word. */
export function wordsToSpans(lines: readonly OcrLine[], scale: number): Span[] {
  const spans: Span[] = [];
  for (const line of lines) {
    const lineHeight = Math.max(...line.words.map((w) => w.y1 - w.y0)) / scale;
    for (const w of line.words) {
      spans.push({
        text: w.text.normalize('NFC'),
        bbox: [w.x0 / scale, w.y0 / scale, w.x1 / scale, w.y1 / scale],
        font: 'ocr',
        size: Math.round(lineHeight * 100) / 100,
      });
    }
  }
  return spans;
}
