import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import {
  Gate,
  MIN_ORIENTATION_CONFIDENCE,
  MIN_SCRIPT_CONFIDENCE,
  type OcrAdapter,
  type OcrLine,
  type Orientation,
} from './ocr-adapter.js';

/** One page may take this long in the tesseract binary before it is stopped. */
const RECOGNIZE_TIMEOUT_MS = 120_000;

interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * The `tesseract` binary (Debian `tesseract-ocr` and its `tesseract-ocr-<lang>` packages):
 * several times faster than tesseract.js. One single-threaded process per page, at most one
 * per core, so pages, not threads inside a page, use the cores.
 */
export class NativeTesseractAdapter implements OcrAdapter {
  readonly name = 'native' as const;
  readonly concurrency: number;
  readonly minDpi = 150;
  private readonly gate: Gate;

  private constructor(
    private readonly binary: string,
    private readonly languages: ReadonlySet<string>,
    concurrency: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.concurrency = Math.max(1, concurrency);
    this.gate = new Gate(this.concurrency);
  }

  /** The adapter when `binary` runs and knows at least one language; otherwise why not. */
  static detect(
    binary = 'tesseract',
    concurrency = availableParallelism(),
    env: NodeJS.ProcessEnv = process.env,
  ): NativeTesseractAdapter | Error {
    const r = spawnSync(binary, ['--list-langs'], { encoding: 'utf8', env, timeout: 10_000 });
    if (r.error) return new Error(`${binary} cannot run: ${r.error.message}`);
    if (r.status !== 0) return new Error(`${binary} --list-langs exited with ${r.status}`);
    // The first line names the tessdata folder; each further line is a language code.
    const langs = new Set(
      `${r.stdout}`
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter((l) => /^[A-Za-z_]+$/.test(l)),
    );
    langs.delete('osd');
    const withOsd = r.stdout.split('\n').some((l) => l.trim() === 'osd');
    if (langs.size === 0) return new Error(`${binary} has no language data installed`);
    return new NativeTesseractAdapter(
      binary,
      withOsd ? new Set([...langs, '\0osd']) : langs,
      concurrency,
      env,
    );
  }

  hasLanguage(language: string): boolean {
    // Scripts of several languages are joined with `+` (e.g. `eng+fra`).
    return language.split('+').every((l) => this.languages.has(l));
  }

  private run(args: string[], input: Buffer): Promise<RunResult> {
    return this.gate.run(
      () =>
        new Promise<RunResult>((resolve, reject) => {
          // OMP_THREAD_LIMIT=1: tesseract's own threads would fight the other pages' processes.
          const child = spawn(this.binary, args, {
            env: { ...this.env, OMP_THREAD_LIMIT: '1' },
            stdio: ['pipe', 'pipe', 'pipe'],
            timeout: RECOGNIZE_TIMEOUT_MS,
          });
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          child.stdout.on('data', (b: Buffer) => out.push(b));
          child.stderr.on('data', (b: Buffer) => err.push(b));
          child.on('error', reject);
          child.on('close', (code, signal) => {
            const stdout = Buffer.concat(out).toString('utf8');
            const stderr = Buffer.concat(err).toString('utf8');
            if (code === 0) resolve({ stdout, stderr });
            else
              reject(
                new Error(
                  `tesseract ${signal ? `was stopped (${signal})` : `exited with ${code}`}: ${stderr.trim().slice(0, 200)}`,
                ),
              );
          });
          child.stdin.on('error', () => undefined);
          child.stdin.end(input);
        }),
    );
  }

  async recognize(image: Buffer, language: string): Promise<OcrLine[]> {
    const { stdout } = await this.run(
      ['stdin', 'stdout', '-l', language, '--psm', '3', 'hocr'],
      image,
    );
    return parseHocr(stdout);
  }

  async orientation(image: Buffer): Promise<Orientation | undefined> {
    if (!this.languages.has('\0osd')) return undefined;
    let stdout: string;
    try {
      ({ stdout } = await this.run(['stdin', 'stdout', '--psm', '0'], image));
    } catch {
      // Too little text to judge: tesseract exits non-zero. Read the page as it is.
      return undefined;
    }
    const rotate = /Rotate:\s*(\d+)/.exec(stdout);
    const confidence = /Orientation confidence:\s*([\d.]+)/.exec(stdout);
    if (!rotate || !confidence) return undefined;
    const degrees = Number(rotate[1]) % 360;
    const c = Number(confidence[1]);
    if (c < MIN_ORIENTATION_CONFIDENCE || ![0, 90, 180, 270].includes(degrees)) return undefined;
    const script = /Script:\s*(\S+)/.exec(stdout)?.[1];
    const scriptConfidence = Number(/Script confidence:\s*([\d.]+)/.exec(stdout)?.[1] ?? 0);
    return {
      degrees: degrees as Orientation['degrees'],
      confidence: c,
      ...(script && scriptConfidence >= MIN_SCRIPT_CONFIDENCE ? { script } : {}),
    };
  }

  async close(): Promise<void> {
    // Each page's process ends with its page; nothing stays running.
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[name.toLowerCase()] ?? all;
  });
}

/** A number from an hOCR `title` property list (`bbox 1 2 3 4; x_size 42; ...`). */
function property(title: string, name: string): number[] | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s+([^;]*)`).exec(title);
  return m ? m[1]!.trim().split(/\s+/).map(Number) : undefined;
}

/**
 * tesseract's hOCR: lines (`ocr_line`, `ocr_caption`, `ocr_header`, `ocr_textfloat`) with
 * their row height (`x_size`) and baseline slope, and their words with box and confidence.
 */
export function parseHocr(hocr: string): OcrLine[] {
  const lines: OcrLine[] = [];
  let line: OcrLine | undefined;
  const tag =
    /<span class='(ocr_line|ocr_caption|ocr_header|ocr_textfloat|ocrx_word)'[^>]*title=(["'])(.*?)\2[^>]*>([\s\S]*?)(?=<span class='ocr|<\/div>|$)/g;
  for (const m of hocr.matchAll(tag)) {
    const [, kind, , title, body] = m as unknown as [string, string, string, string, string];
    if (kind !== 'ocrx_word') {
      line = { words: [] };
      const size = property(title, 'x_size')?.[0];
      const slope = property(title, 'baseline')?.[0];
      if (size !== undefined && Number.isFinite(size) && size > 0) line.size = size;
      if (slope !== undefined && Number.isFinite(slope)) line.slope = slope;
      lines.push(line);
      continue;
    }
    const text = unescapeHtml(body.replace(/<[^>]*>/g, '')).trim();
    const box = property(title, 'bbox');
    if (!line || text === '' || !box || box.length < 4) continue;
    const [x0, y0, x1, y1] = box as [number, number, number, number];
    line.words.push({ text, x0, y0, x1, y1, confidence: property(title, 'x_wconf')?.[0] ?? 0 });
  }
  return lines.filter((l) => l.words.length > 0);
}
