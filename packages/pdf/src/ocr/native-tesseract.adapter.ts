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

  async recognize(png: Buffer, language: string): Promise<OcrLine[]> {
    const { stdout } = await this.run(
      ['stdin', 'stdout', '-l', language, '--psm', '3', 'tsv'],
      png,
    );
    return parseTsv(stdout);
  }

  async orientation(png: Buffer): Promise<Orientation | undefined> {
    if (!this.languages.has('\0osd')) return undefined;
    let stdout: string;
    try {
      ({ stdout } = await this.run(['stdin', 'stdout', '--psm', '0'], png));
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

/** tesseract's TSV: level, page, block, paragraph, line, word, left, top, width, height, confidence, text. */
export function parseTsv(tsv: string): OcrLine[] {
  const lines = new Map<string, OcrLine>();
  for (const row of tsv.split('\n')) {
    const cols = row.split('\t');
    if (cols.length < 12 || cols[0] !== '5') continue;
    const text = cols.slice(11).join('\t').trim();
    if (text === '') continue;
    const [left, top, width, height, conf] = cols.slice(6, 11).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const key = `${cols[1]}:${cols[2]}:${cols[3]}:${cols[4]}`;
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { words: [] }));
    line.words.push({
      text,
      x0: left,
      y0: top,
      x1: left + width,
      y1: top + height,
      confidence: conf,
    });
  }
  return [...lines.values()];
}
