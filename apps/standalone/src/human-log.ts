/** Pino's numeric levels, for records written without the label formatter. */
const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const SHOWN = new Set(['warn', 'error', 'fatal']);

/**
 * Whether the standalone server writes the short human form: LOG_FORMAT=text, or
 * LOG_FORMAT=auto with standard output a terminal. JSON lines otherwise, as a log
 * collector or a pipe expects them.
 */
export function humanLog(format: 'auto' | 'json' | 'text', stdoutIsTty: boolean): boolean {
  return format === 'text' || (format === 'auto' && stdoutIsTty);
}

/**
 * A log destination for a person at a terminal: each JSON record at warn or above
 * becomes one line (`warn: <message>`, with the error's stack under an error), written
 * to `write`; records below warn (start-up chatter, request lines) are left out, and
 * counted. A line that is not JSON is passed on as it is: nothing unexpected is lost.
 */
export class HumanLogSink {
  /** Records left out (below warn). */
  hidden = 0;

  constructor(private readonly write: (text: string) => void) {}

  /** Called by pino with one JSON line (a newline at its end). */
  readonly writeLine = (line: string): void => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.write(line.endsWith('\n') ? line : `${line}\n`);
      return;
    }
    const level =
      typeof record.level === 'number'
        ? (LEVEL_NAMES[record.level] ?? 'info')
        : String(record.level ?? 'info');
    if (!SHOWN.has(level)) {
      this.hidden++;
      return;
    }
    const context = typeof record.context === 'string' ? `[${record.context}] ` : '';
    const message = typeof record.msg === 'string' ? record.msg : '';
    const err = record.err as { message?: unknown; stack?: unknown } | undefined;
    const stack =
      err && typeof err.stack === 'string'
        ? err.stack
        : err && typeof err.message === 'string'
          ? err.message
          : '';
    const ids = ['requestId', 'jobId']
      .filter((key) => typeof record[key] === 'string')
      .map((key) => `${key}=${record[key] as string}`)
      .join(' ');
    let text = `${level}: ${context}${message}${ids ? ` (${ids})` : ''}`;
    if (stack && !message.includes(stack)) text += `\n${indent(stack)}`;
    this.write(`${text}\n`);
  };

  /** The object pino writes to. */
  get destination(): { write(line: string): void } {
    return { write: this.writeLine };
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
