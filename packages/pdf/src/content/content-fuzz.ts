import { PDFName } from 'pdf-lib';
import { removeText } from './content-rewriter.js';
import { serializeContent } from './content-serializer.js';
import { parseContent, tokenize } from './content-tokenizer.js';
import { interpretPage } from './page-interpreter.js';
import type { PdfFile } from './pdf-file.js';

/** Seeded mutation fuzzer for the content engine: the same seed replays the same cases. */

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** Content streams to mutate. */
  sources: Uint8Array[];
  /** A document whose first page receives every `interpretEvery`-th case as its content. */
  file?: PdfFile;
  interpretEvery?: number;
  maxSliceBytes?: number;
}

export interface FuzzFailure {
  index: number;
  stage: string;
  message: string;
  input: Uint8Array;
}

export interface FuzzReport {
  cases: number;
  interpreted: number;
  failures: FuzzFailure[];
  slowestMs: number;
  totalMs: number;
}

const DICTIONARY = [
  'BI',
  'ID',
  'EI',
  '(',
  ')',
  '<',
  '>',
  '<<',
  '>>',
  '[',
  ']',
  '{',
  '}',
  '/',
  '%',
  '\\',
  '\\(',
  '#',
  'q',
  'Q',
  'BT',
  'ET',
  'Tj',
  'TJ',
  "'",
  '"',
  'Td',
  'Tm',
  'Tf',
  'cm',
  'Do',
  'Tz',
  '0',
  '-1',
  '1e9',
  '99999999999999999999',
  '.',
  '--5',
  '/F1 12 Tf',
  '[(a) -1e308 (b)] TJ',
  '/Fm0 Do',
  '1 0 0 1 0 0 cm',
  '\r',
  '\n',
  ' ',
  '\0',
  'true',
  'null',
  '3 Tr',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(random: () => number, source: Uint8Array, maxSlice: number): Uint8Array {
  const int = (n: number): number => Math.floor(random() * n);
  const start = source.length > maxSlice ? int(source.length - maxSlice) : 0;
  let bytes = Array.from(source.subarray(start, start + maxSlice));
  const rounds = 1 + int(8);
  for (let r = 0; r < rounds; r++) {
    const at = int(bytes.length + 1);
    switch (int(6)) {
      case 0:
        if (bytes.length) bytes[Math.min(at, bytes.length - 1)] = int(256);
        break;
      case 1: {
        const word = DICTIONARY[int(DICTIONARY.length)]!;
        bytes.splice(at, 0, ...Buffer.from(word, 'latin1'));
        break;
      }
      case 2:
        bytes.splice(at, int(64));
        break;
      case 3: {
        const len = int(128);
        bytes.splice(int(bytes.length + 1), 0, ...bytes.slice(at, at + len));
        break;
      }
      case 4:
        bytes = bytes.slice(0, at);
        break;
      default:
        for (let k = 0; k < 4 && bytes.length; k++)
          bytes[int(bytes.length)] = '()<>[]/%\\'.charCodeAt(int(9));
    }
  }
  return Uint8Array.from(bytes);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Each case: tokenize, parse, serialize, and check that serializing is a fixed point
 * (parse(serialize(ops)) serializes to the same bytes); every `interpretEvery`-th case
 * is also interpreted as a page and has all its text removed.
 */
export function runContentFuzz(options: FuzzOptions): FuzzReport {
  const random = mulberry32(options.seed);
  const every = options.interpretEvery ?? 10;
  const maxSlice = options.maxSliceBytes ?? 4096;
  const report: FuzzReport = { cases: 0, interpreted: 0, failures: [], slowestMs: 0, totalMs: 0 };
  if (options.sources.length === 0) return report;
  const started = performance.now();
  for (let index = 0; index < options.cases; index++) {
    const source = options.sources[Math.floor(random() * options.sources.length)]!;
    const input = mutate(random, source, maxSlice);
    const t0 = performance.now();
    let stage = 'tokenize';
    try {
      tokenize(input);
      stage = 'parse';
      const first = serializeContent(parseContent(input));
      stage = 'reparse';
      const second = serializeContent(parseContent(first));
      if (!same(first, second)) throw new Error('serialization is not a fixed point');
      if (options.file && index % every === 0) {
        stage = 'interpret';
        const context = options.file.doc.context;
        const page = options.file.doc.getPage(0);
        page.node.set(PDFName.of('Contents'), context.register(context.stream(input)));
        interpretPage(options.file, 0);
        stage = 'remove';
        removeText(options.file, 0, { regions: [[-1e6, -1e6, 1e6, 1e6]], includeInvisible: true });
        report.interpreted++;
      }
    } catch (err) {
      report.failures.push({
        index,
        stage,
        message: err instanceof Error ? err.message : String(err),
        input,
      });
    }
    const ms = performance.now() - t0;
    if (ms > report.slowestMs) report.slowestMs = ms;
    report.cases++;
  }
  report.totalMs = performance.now() - started;
  return report;
}
