import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;
const PAGE = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, in ticks. */
  cpu: number;
  rssBytes: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after its closing one.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), cpu: Number(rest[11]) + Number(rest[12]), rssBytes: Number(rest[21]) * PAGE };
  } catch {
    return undefined;
  }
}

function allStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.set(stat.pid, stat);
  }
  return out;
}

/** The process and every descendant (a sandbox child, the embedded PostgreSQL). */
function tree(root: number, stats: Map<number, ProcStat>): ProcStat[] {
  const children = new Map<number, number[]>();
  for (const s of stats.values()) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const out: ProcStat[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const stat = stats.get(pid);
    if (!stat) continue;
    out.push(stat);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface Tracked {
  name: string;
  pid: number;
}

export interface ProcessPeak {
  name: string;
  pid: number;
  peakRssBytes: number;
  /** CPU of the process and its descendants, in % of one core. */
  meanCpuPercent: number;
  peakCpuPercent: number;
}

export interface QueueSample {
  t: number;
  depth: Record<string, number>;
}

/** `docat_queue_depth` per queue, the max over the processes that report it. */
export async function queueDepth(managementPorts: readonly number[]): Promise<Record<string, number>> {
  const depth: Record<string, number> = {};
  for (const port of new Set(managementPorts)) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (!res || res.status !== 200) continue;
    for (const line of (await res.text()).split('\n')) {
      const match = /^docat_queue_depth\{queue="([^"]+)"\} (\S+)$/.exec(line);
      if (match) depth[match[1]!] = Math.max(depth[match[1]!] ?? 0, Number(match[2]));
    }
  }
  return depth;
}

/**
 * Samples RSS and CPU of each tracked process tree every `intervalMs` from /proc, and the
 * queue depth from the services' /metrics every `queueEveryMs`.
 */
export class Sampler {
  readonly queue: QueueSample[] = [];
  private readonly peaks = new Map<string, { pid: number; rss: number; cpuSum: number; cpuPeak: number; n: number; lastCpu?: number; lastT?: number }>();
  private timer?: NodeJS.Timeout;
  private queueTimer?: NodeJS.Timeout;
  private tracked: Tracked[] = [];

  constructor(private readonly managementPorts: readonly number[]) {}

  track(items: readonly Tracked[]): void {
    this.tracked.push(...items);
  }

  start(intervalMs = 1_000, queueEveryMs = 2_000): void {
    const tick = () => this.sampleProcesses();
    tick();
    this.timer = setInterval(tick, intervalMs);
    const sampleQueue = async () => {
      const t = Date.now() / 1000;
      this.queue.push({ t, depth: await queueDepth(this.managementPorts) });
    };
    void sampleQueue();
    this.queueTimer = setInterval(() => void sampleQueue(), queueEveryMs);
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.queueTimer);
  }

  private sampleProcesses(): void {
    const stats = allStats();
    const now = Date.now();
    for (const item of this.tracked) {
      const members = tree(item.pid, stats);
      if (members.length === 0) continue;
      const rss = members.reduce((a, s) => a + s.rssBytes, 0);
      const cpu = members.reduce((a, s) => a + s.cpu, 0);
      const key = `${item.name}#${item.pid}`;
      const peak = this.peaks.get(key) ?? { pid: item.pid, rss: 0, cpuSum: 0, cpuPeak: 0, n: 0 };
      peak.rss = Math.max(peak.rss, rss);
      if (peak.lastCpu !== undefined && peak.lastT !== undefined && now > peak.lastT) {
        // A descendant that ended takes its ticks with it: never count a drop as negative work.
        const percent = Math.max(0, ((cpu - peak.lastCpu) / TICKS / ((now - peak.lastT) / 1000)) * 100);
        peak.cpuSum += percent;
        peak.cpuPeak = Math.max(peak.cpuPeak, percent);
        peak.n += 1;
      }
      peak.lastCpu = cpu;
      peak.lastT = now;
      this.peaks.set(key, peak);
    }
  }

  processPeaks(): ProcessPeak[] {
    return [...this.peaks.entries()].map(([key, p]) => ({
      name: key.slice(0, key.lastIndexOf('#')),
      pid: p.pid,
      peakRssBytes: p.rss,
      meanCpuPercent: p.n > 0 ? p.cpuSum / p.n : 0,
      peakCpuPercent: p.cpuPeak,
    }));
  }
}
