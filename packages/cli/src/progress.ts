/**
 * Progress on stderr: a redrawn bar per stage when stderr is a terminal, plain lines
 * (one per stage change and every tenth of the way) when it is not, so logs stay readable.
 */
export class Progress {
  private stage = '';
  private lastTenth = -1;
  private readonly started = Date.now();
  private stageStarted = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(stage: string, done: number, total: number, unit: string): void {
    if (this.quiet) return;
    if (stage !== this.stage) {
      if (this.stage && this.tty) this.out.write('\n');
      this.stage = stage;
      this.lastTenth = -1;
      this.stageStarted = Date.now();
    }
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const elapsed = (Date.now() - this.stageStarted) / 1000;
    const eta = share > 0 && share < 1 ? Math.round((elapsed / share) * (1 - share)) : undefined;
    const etaText = eta === undefined ? '' : ` ETA ${eta}s`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(share * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      this.out.write(`\r${stage.padEnd(10)} [${bar}] ${done}/${total} ${unit}${etaText}   `);
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`${stage}: ${done}/${total} ${unit}${etaText}\n`);
    }
  }

  note(message: string): void {
    if (this.quiet) return;
    if (this.tty && this.stage) this.out.write('\n');
    this.stage = '';
    this.out.write(`${message}\n`);
  }

  finish(): string {
    if (this.tty && this.stage && !this.quiet) this.out.write('\n');
    return ((Date.now() - this.started) / 1000).toFixed(1);
  }
}
