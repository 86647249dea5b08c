import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TERMINAL_STATES, type JobView } from '@docat/contracts';
import { E2E_ADMIN, repoRoot, startCluster, startStandaloneTarget, type Cluster } from '@docat/testing';
import { DocatApi } from '../src/docat-api.js';
import { Sampler, type ProcessPeak, type QueueSample } from './sampler.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The Python sources sit beside the TypeScript, not in dist. */
export const LOAD_SOURCES = existsSync(join(HERE, 'locustfile.py')) ? HERE : join(repoRoot(), 'apps', 'e2e-tests', 'load');
/** Debian's locust and matplotlib live in the system Python, whatever `python3` is first on PATH. */
export const PYTHON = process.env.LOAD_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** The plan the test accounts are put on; only its limits are raised. */
export const LOAD_PLAN = 'pro';

/**
 * The limits as shipped for every plan but the test accounts' one (the end-to-end
 * settings raise them for everyone; a load test must not), and that plan's raised.
 */
export const LOAD_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_PDF_UPLOAD: '10/hour',
  RATE_LIMIT_API_GENERAL: '1000/hour',
  RATE_LIMIT_AUTH_LOGIN: '5/minute',
  RATE_LIMIT_PASSWORD_RESET: '3/hour',
  RATE_LIMIT_PLANS: `plus:pdf_upload=50/hour,api_general=5000/hour;${LOAD_PLAN}:pdf_upload=1000000/hour,api_general=10000000/hour`,
  CREDITS_PLAN_FREE: '100',
  CREDITS_PLAN_PRO: '1000000000',
};

export type LoadTarget = 'standalone' | 'cluster';

export interface LoadOptions {
  target: LoadTarget;
  /** Replicas of extraction and translation (cluster). */
  workers?: number;
  users: number;
  spawnRate: number;
  runTimeS: number;
  /** Locust stops after this many requests (0: none). */
  maxRequests: number;
  pdf: string;
  followShare: number;
  /** How long finished uploads may take to end after the users stop. */
  drainS: number;
  outDir: string;
  /** Extra environment of the services (an engine, say). */
  env?: Record<string, string>;
  /** What the report calls this configuration. */
  label?: string;
}

export interface EndpointStats {
  name: string;
  requests: number;
  failures: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadOutcome {
  options: LoadOptions;
  label: string;
  endpoints: EndpointStats[];
  errors: { name: string; error: string; count: number }[];
  jobs: { submitted: number; completed: number; failed: Record<string, number>; cancelled: number; unfinished: number; lost: number; latencyP50Ms: number; latencyP95Ms: number; drainMs: number };
  processes: ProcessPeak[];
  queue: QueueSample[];
  loadAverage: { before: number[]; after: number[] };
  reportFile: string;
  chartFile: string;
  /** Upload p95 < 2 s, status p99 < 100 ms, no lost or unfinished job, no failed upload. */
  held: boolean;
  heldWhy: string[];
}

function csvRows(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  if (!head) return [];
  const split = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted && c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') {
        quoted = !quoted;
      } else if (c === ',' && !quoted) {
        out.push(cur);
        cur = '';
      } else {
        cur += c;
      }
    }
    out.push(cur);
    return out;
  };
  const names = split(head);
  return lines.map((l) => Object.fromEntries(split(l).map((v, i) => [names[i]!, v])));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function startTarget(opts: LoadOptions): Promise<Cluster> {
  const env = { LOG_LEVEL: 'warn', ...LOAD_LIMITS, ...opts.env };
  if (opts.target === 'standalone') return startStandaloneTarget({ env });
  const workers = opts.workers ?? 1;
  return startCluster({ env, replicas: { gateway: 1, extraction: workers, translation: workers } });
}

interface SubmittedJob {
  email: string;
  /** The account's access token (a new login would count against the login limit). */
  token: string;
  job: string;
  submittedAt: number;
}

/** Waits until every accepted upload is final or the drain time is over; a job its owner cannot see is lost. */
async function drain(gateways: readonly string[], submitted: readonly SubmittedJob[], drainS: number): Promise<LoadOutcome['jobs']> {
  const started = Date.now();
  const byAccount = new Map<string, SubmittedJob[]>();
  for (const s of submitted) byAccount.set(s.email, [...(byAccount.get(s.email) ?? []), s]);
  const final = new Map<string, JobView>();
  let lost = 0;
  const clients = new Map<string, DocatApi>();
  for (const [email, jobs] of byAccount) {
    const api = new DocatApi(gateways);
    api.token = jobs[0]!.token;
    clients.set(email, api);
    // Every accepted job is in its owner's history.
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await api.list(`?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (page.status !== 200) throw new Error(`history of ${email} answered ${page.status}`);
      for (const item of page.body.items) seen.add(item.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    lost += jobs.filter((j) => !seen.has(j.job)).length;
  }
  const deadline = started + drainS * 1000;
  let pending = submitted.slice();
  while (pending.length > 0 && Date.now() < deadline) {
    const next: SubmittedJob[] = [];
    for (const s of pending) {
      const res = await clients.get(s.email)!.job(s.job);
      if (res.status === 200 && TERMINAL_STATES.has(res.body.state)) final.set(s.job, res.body);
      else if (res.status === 404) lost += 1;
      else next.push(s);
    }
    pending = next;
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 1_000));
  }
  const failed: Record<string, number> = {};
  let completed = 0;
  let cancelled = 0;
  const latencies: number[] = [];
  for (const job of final.values()) {
    if (job.state === 'completed') completed += 1;
    else if (job.state === 'cancelled') cancelled += 1;
    else failed[job.error?.code ?? 'UNKNOWN'] = (failed[job.error?.code ?? 'UNKNOWN'] ?? 0) + 1;
    if (job.completedAt) latencies.push(Date.parse(job.completedAt) - Date.parse(job.createdAt));
  }
  latencies.sort((a, b) => a - b);
  return {
    submitted: submitted.length,
    completed,
    failed,
    cancelled,
    unfinished: pending.length,
    lost,
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    drainMs: Date.now() - started,
  };
}

/** Runs locust headless against the target and waits for it to stop by itself. */
function runLocust(opts: LoadOptions, host: string, dir: string, jobsFile: string, track: (pid: number) => void): Promise<number> {
  const args = [
    '-m', 'locust',
    '-f', join(LOAD_SOURCES, 'locustfile.py'),
    '--headless',
    '--users', String(opts.users),
    '--spawn-rate', String(opts.spawnRate),
    '--run-time', `${opts.runTimeS}s`,
    '--stop-timeout', '30',
    '--host', host,
    '--csv', join(dir, 'locust'),
    '--csv-full-history',
    '--only-summary',
    '--loglevel', 'WARNING',
    '--logfile', join(dir, 'locust.log'),
  ];
  const child = spawn(PYTHON, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      LOAD_PDF: opts.pdf,
      LOAD_ADMIN_EMAIL: E2E_ADMIN.email,
      LOAD_ADMIN_PASSWORD: E2E_ADMIN.password,
      LOAD_PLAN,
      LOAD_FOLLOW_SHARE: String(opts.followShare),
      LOAD_JOBS_FILE: jobsFile,
      LOAD_MAX_REQUESTS: String(opts.maxRequests),
    },
  });
  if (child.pid) track(child.pid);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // Locust exits 1 when any request failed: the report says which.
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Checks that the Python side is there before starting anything. */
export function checkLocust(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import locust, matplotlib'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`${PYTHON} cannot import locust and matplotlib (Debian: apt-get install python3-locust python3-matplotlib): ${probe.stderr.trim()}`);
}

export async function runLoad(opts: LoadOptions, log: (line: string) => void = () => undefined): Promise<LoadOutcome> {
  checkLocust();
  const label = opts.label ?? (opts.target === 'standalone' ? 'standalone' : `cluster, ${opts.workers ?? 1} extraction + ${opts.workers ?? 1} translation`);
  const dir = join(opts.outDir, `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${opts.users}u`);
  await mkdir(dir, { recursive: true });
  const jobsFile = join(dir, 'jobs.jsonl');
  await writeFile(jobsFile, '');
  const before = loadavg();
  const t0 = Date.now();
  const target = await startTarget(opts);
  log(`${label}: target ready in ${Date.now() - t0} ms at ${target.gateways[0]}`);
  try {
    const admin = new DocatApi(target.gateways);
    const login = await admin.request<{ accessToken: string }>('POST', '/v1/auth/login', { json: E2E_ADMIN, auth: false });
    if (login.status !== 200) throw new Error(`admin login answered ${login.status}`);

    const sampler = new Sampler(target.processes.map((p) => p.managementPort));
    const seen = new Set<number>();
    sampler.track(
      target.processes
        .filter((p) => !seen.has(p.pid) && seen.add(p.pid))
        .map((p) => ({ name: target.target === 'standalone' ? 'standalone (with embedded PostgreSQL)' : `${p.app}-${p.replica}`, pid: p.pid })),
    );
    const users: { t: number; n: number }[] = [];
    const start = Date.now() / 1000;
    sampler.start();
    const userTimer = setInterval(() => {
      const t = Date.now() / 1000;
      users.push({ t, n: Math.min(opts.users, Math.floor((t - start) * opts.spawnRate)) });
    }, 1_000);
    const exit = await runLocust(opts, target.gateways[0]!, dir, jobsFile, (pid) => sampler.track([{ name: 'locust (load generator)', pid }]));
    clearInterval(userTimer);
    log(`${label}: locust exited ${exit} after ${Math.round(Date.now() / 1000 - start)} s; draining`);
    const submitted = (await readFile(jobsFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SubmittedJob);
    const jobs = await drain(target.gateways, submitted, opts.drainS);
    sampler.stop();

    const stats = csvRows(await readFile(join(dir, 'locust_stats.csv'), 'utf8'));
    const endpoints: EndpointStats[] = stats.map((r) => ({
      name: r.Name === 'Aggregated' ? 'all requests' : `${r.Name}`,
      requests: Number(r['Request Count']),
      failures: Number(r['Failure Count']),
      rps: Number(r['Requests/s']),
      p50: Number(r['50%']),
      p95: Number(r['95%']),
      p99: Number(r['99%']),
      max: Number(r['Max Response Time']),
    }));
    const errors = csvRows(await readFile(join(dir, 'locust_failures.csv'), 'utf8').catch(() => '')).map((r) => ({ name: r.Name ?? '', error: r.Error ?? '', count: Number(r.Occurrences) }));
    const chartFile = join(dir, 'chart.png');
    await writeFile(join(dir, 'samples.json'), JSON.stringify({ start, title: `Docat under load: ${label}, ${opts.users} users`, queue: sampler.queue, users }));
    const chart = spawnSync(PYTHON, [join(LOAD_SOURCES, 'chart.py'), join(dir, 'locust_stats_history.csv'), join(dir, 'samples.json'), chartFile], { encoding: 'utf8' });
    if (chart.status !== 0) throw new Error(`chart.py failed: ${chart.stderr}`);

    const upload = endpoints.find((e) => e.name === 'POST /v1/documents');
    const status = endpoints.find((e) => e.name === 'GET /v1/jobs/:id');
    const heldWhy: string[] = [];
    if (!upload || upload.p95 >= 2000) heldWhy.push(`upload p95 ${upload?.p95 ?? '-'} ms (limit < 2000)`);
    if (!status || status.p99 >= 100) heldWhy.push(`status p99 ${status?.p99 ?? '-'} ms (limit < 100)`);
    if (jobs.lost > 0) heldWhy.push(`${jobs.lost} jobs lost`);
    if (jobs.unfinished > 0) heldWhy.push(`${jobs.unfinished} jobs unfinished ${opts.drainS} s after the users stopped`);
    if ((upload?.failures ?? 0) > 0) heldWhy.push(`${upload?.failures} uploads refused or failed`);
    const outcome: LoadOutcome = {
      options: opts,
      label,
      endpoints,
      errors,
      jobs,
      processes: sampler.processPeaks(),
      queue: sampler.queue,
      loadAverage: { before, after: loadavg() },
      reportFile: join(dir, 'report.md'),
      chartFile,
      held: heldWhy.length === 0,
      heldWhy,
    };
    await writeFile(outcome.reportFile, reportMarkdown(outcome));
    await writeFile(join(dir, 'outcome.json'), JSON.stringify(outcome, null, 2));
    return outcome;
  } finally {
    await target.stop().catch((err: unknown) => log(`${label}: stop: ${(err as Error).message}`));
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const ms = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '-');

export function reportMarkdown(o: LoadOutcome): string {
  const { options: opts, jobs } = o;
  const lines = [
    `# Docat load test: ${o.label}, ${opts.users} users`,
    '',
    `Run ${new Date().toISOString()} on ${cpus().length} cores shared with other work (load average ${o.loadAverage.before.map((n) => n.toFixed(1)).join(' / ')} before, ${o.loadAverage.after.map((n) => n.toFixed(1)).join(' / ')} after): figures are pessimistic.`,
    '',
    `- Scenario: each user registers and logs in once, then uploads \`${opts.pdf.split('/').pop()}\` (noCache), polls a job's status and lists its history in a 3:1:1 mix with 1-3 s think time; ${Math.round(opts.followShare * 100)} % of the users follow each upload over SSE to its end and download the Markdown result.`,
    `- Bounds: ${opts.users} users (spawned ${opts.spawnRate}/s), ${opts.runTimeS} s${opts.maxRequests ? `, at most ${opts.maxRequests} requests` : ''}, loopback only; then up to ${opts.drainS} s for accepted jobs to end.`,
    `- Rate limits: the test accounts are put on the \`${LOAD_PLAN}\` plan by the administrator, and \`RATE_LIMIT_PLANS\` raises that plan's upload and general limits (${LOAD_LIMITS.RATE_LIMIT_PLANS}); every other limit is as shipped. Nothing is changed in code.`,
    '',
    `## Verdict: ${o.held ? 'held' : 'not held'}`,
    '',
    o.held ? 'Upload p95 < 2 s, status p99 < 100 ms, no job lost or unfinished, no upload refused.' : o.heldWhy.map((w) => `- ${w}`).join('\n'),
    '',
    '## Requests per endpoint',
    '',
    '| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...o.endpoints.map((e) => `| ${e.name} | ${e.requests} | ${e.failures} | ${e.rps.toFixed(2)} | ${ms(e.p50)} | ${ms(e.p95)} | ${ms(e.p99)} | ${ms(e.max)} |`),
    '',
    'The SSE row is the time from opening the stream to the job\'s end, not a response time.',
    '',
    '## Errors per endpoint',
    '',
    ...(o.errors.length === 0 ? ['None.'] : ['| endpoint | error | count |', '| --- | --- | ---: |', ...o.errors.map((e) => `| ${e.name} | ${e.error} | ${e.count} |`)]),
    '',
    '## Jobs',
    '',
    '| submitted | completed | failed | cancelled | unfinished | lost | latency p50 ms | latency p95 ms | drain ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${jobs.submitted} | ${jobs.completed} | ${Object.values(jobs.failed).reduce((a, b) => a + b, 0)} | ${jobs.cancelled} | ${jobs.unfinished} | ${jobs.lost} | ${jobs.latencyP50Ms} | ${jobs.latencyP95Ms} | ${jobs.drainMs} |`,
    '',
    Object.keys(jobs.failed).length === 0 ? 'No job failed.' : `Failed by code: ${Object.entries(jobs.failed).map(([c, n]) => `${c} ${n}`).join(', ')}.`,
    '',
    'Lost: accepted (202) but missing from its owner\'s history or answered 404. Unfinished: not final when the drain time ran out.',
    '',
    '## Processes (each with its child processes)',
    '',
    '| process | peak RSS MB | mean CPU % | peak CPU % |',
    '| --- | ---: | ---: | ---: |',
    ...o.processes.map((p) => `| ${p.name} | ${mb(p.peakRssBytes)} | ${p.meanCpuPercent.toFixed(0)} | ${p.peakCpuPercent.toFixed(0)} |`),
    '',
    'CPU in % of one core, sampled every second.',
    '',
    '## Queue depth over time',
    '',
    '| s | ' + queueNames(o.queue).join(' | ') + ' |',
    '| ---: | ' + queueNames(o.queue).map(() => '---:').join(' | ') + ' |',
    ...thin(o.queue, 15).map((s) => `| ${Math.round(s.t - (o.queue[0]?.t ?? s.t))} | ${queueNames(o.queue).map((q) => s.depth[q] ?? 0).join(' | ')} |`),
    '',
    `![throughput, latency and queue depth over time](${o.chartFile.split('/').pop()})`,
    '',
  ];
  return lines.join('\n');
}

function queueNames(queue: readonly QueueSample[]): string[] {
  return [...new Set(queue.flatMap((s) => Object.keys(s.depth)))].sort();
}

function thin<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return items.slice();
  const step = (items.length - 1) / (n - 1);
  return Array.from({ length: n }, (_, i) => items[Math.round(i * step)]!);
}

export function defaultOutDir(): string {
  return process.env.LOAD_OUT ?? join(tmpdir(), `docat-load-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}
