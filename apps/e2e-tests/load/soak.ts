import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { E2E_ADMIN, repoRoot, startStandaloneTarget } from '@docat/testing';
import { DocatApi } from '../src/docat-api.js';
import { defaultOutDir, LOAD_LIMITS, LOAD_PLAN } from './load-run.js';

/**
 * `npm run soak`: JOBS (200) jobs back to back through one standalone process (`npm start`),
 * each waited for before the next. After every job: the process's RSS (alone, and with its
 * embedded PostgreSQL), where that memory is, its threads and open file descriptors, and the
 * event-loop delay p99 the process reports for the time since the previous sample; after
 * FIRST, every 20th job and the last, RSS again once the process has collected its garbage.
 * Pass: RSS after the last job within 10 % of RSS after job 20 (FIRST), both garbage
 * collected (ADR 0023; raw samples with SOAK_COLLECT=0), open fds over the last 20 jobs
 * not above the 20 around FIRST by more than 2 on average, event-loop delay p99 over the
 * last 20 jobs not above the 20 jobs after FIRST by more than 10 ms. SOAK_PDF
 * (examples/sample.pdf).
 */
const JOBS = Number(process.env.JOBS ?? 200);
const FIRST = Number(process.env.FIRST ?? 20);
/** After these jobs the process writes a heap snapshot to the report folder (SOAK_HEAP_SNAPSHOTS=20,100). */
const SNAPSHOTS = new Set(
  (process.env.SOAK_HEAP_SNAPSHOTS ?? '').split(',').filter(Boolean).map(Number),
);
/**
 * Whether the sampled jobs (FIRST, every 20th, the last) are also measured once the process
 * has collected its garbage (SOAK_COLLECT=0 for the raw samples alone); see ADR 0023.
 */
const COLLECT = process.env.SOAK_COLLECT !== '0';
const settleAt = (job: number) => job === FIRST || job === JOBS || job % 20 === 0;
const pdf = process.env.SOAK_PDF ?? join(repoRoot(), 'examples', 'sample.pdf');
const outDir = defaultOutDir();
await mkdir(outDir, { recursive: true });

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}
const rssOf = (pid: number) => statusField(pid, 'VmRSS') * 1024;

/**
 * Where the process's resident memory is, from /proc/PID/smaps: the main C heap (`[heap]`),
 * file-backed mappings (code, shared libraries), glibc's further arenas and the other
 * anonymous mappings. glibc gives each further allocation arena a 64 MB reservation, so anonymous mappings inside a
 * 64 MB-aligned pair of that size are told apart from the rest (V8's pages, large buffers).
 */
function residentBy(pid: number): Record<string, number> {
  const out: Record<string, number> = { cHeap: 0, files: 0, arenas: 0, otherAnon: 0 };
  let kind = '';
  const lines = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  const headers: { start: number; end: number; rest: string }[] = [];
  for (const line of lines) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) headers.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), rest: m[3]! });
  }
  // A glibc arena: a mapping starting on a 64 MB boundary whose read-write part is followed
  // by an inaccessible remainder, the two together 64 MB.
  const arenaStarts = new Set<number>();
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const next = headers[i + 1];
    if (h.start % 2 ** 26 === 0 && next && next.start === h.end && next.end - h.start === 2 ** 26)
      arenaStarts.add(h.start);
  }
  for (const line of lines) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const start = parseInt(m[1]!, 16);
      const rest = m[3]!;
      kind =
        rest === '[heap]'
          ? 'cHeap'
          : rest.startsWith('/')
            ? 'files'
            : arenaStarts.has(start)
              ? 'arenas'
              : 'otherAnon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) * 1024;
  }
  return out;
}

function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Ended while read.
    }
  }
  let sum = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    try {
      sum += rssOf(pid);
    } catch {
      continue;
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return sum;
}

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** The event-loop delay p99 (ms) and the V8 heap in use and external memory (bytes) the process reports. */
async function processMetrics(
  port: number,
): Promise<{ loopP99Ms: number; heapUsed: number; heapTotal: number; external: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : Number.NaN;
  };
  return {
    loopP99Ms: value('docat_nodejs_eventloop_lag_p99_seconds') * 1000,
    heapUsed: value('docat_nodejs_heap_size_used_bytes'),
    heapTotal: value('docat_nodejs_heap_size_total_bytes'),
    external: value('docat_nodejs_external_memory_bytes'),
  };
}

/** Asks the process for a heap snapshot (SIGUSR2) and waits until the file is written. */
async function heapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 300_000;
  let size = -1;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) return join(dir, file);
    size = now;
  }
  throw new Error('no heap snapshot written within 300 s');
}

/** A free loopback port (for the process's inspector). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Has the process collect all its garbage, through its inspector: SIGUSR1 opens the inspector
 * on the port `--inspect-port` named (loopback only; the process is otherwise untouched,
 * nothing is attached between collections), and `HeapProfiler.collectGarbage` runs a full
 * collection that also gives the freed heap pages back. Resolves once it is done.
 */
async function collectGarbage(pid: number, inspectPort: number): Promise<void> {
  process.kill(pid, 'SIGUSR1');
  let url: string | undefined;
  const deadline = Date.now() + 30_000;
  while (!url) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
        webSocketDebuggerUrl: string;
      }[];
      url = list[0]?.webSocketDebuggerUrl;
    } catch {
      if (Date.now() > deadline) throw new Error(`no inspector on port ${inspectPort}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.onmessage = (event) => {
        const reply = JSON.parse(String(event.data)) as { id?: number; error?: unknown };
        if (reply.id !== 1) return;
        if (reply.error) reject(new Error(JSON.stringify(reply.error)));
        else resolve();
      };
      ws.onerror = () => reject(new Error('inspector connection failed'));
    });
  } finally {
    ws.close();
  }
}

interface Sample {
  job: number;
  ms: number;
  state: string;
  rss: number;
  treeRss: number;
  fds: number;
  threads: number;
  /** Resident memory by kind (bytes), see residentBy. */
  where: Record<string, number>;
  loopP99Ms: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** The same process once its garbage was collected (sampled jobs only). */
  collected?: { rss: number; heapUsed: number; heapTotal: number; where: Record<string, number> };
}

const inspectPort = await freePort();
const nodeOptions = [
  // Names the inspector's port; the inspector opens only when the soak sends SIGUSR1.
  ...(COLLECT ? [`--inspect-port=127.0.0.1:${inspectPort}`] : []),
  ...(SNAPSHOTS.size > 0 ? [`--heapsnapshot-signal=SIGUSR2`, `--diagnostic-dir=${outDir}`] : []),
];
const target = await startStandaloneTarget({
  env: {
    LOG_LEVEL: 'warn',
    ...LOAD_LIMITS,
    ...(nodeOptions.length > 0 ? { NODE_OPTIONS: nodeOptions.join(' ') } : {}),
  },
});
const samples: Sample[] = [];
const snapshots: string[] = [];
try {
  const proc = target.processes[0]!;
  const admin = new DocatApi(target.gateways);
  const adminLogin = await admin.request<{ accessToken: string }>('POST', '/v1/auth/login', {
    json: E2E_ADMIN,
    auth: false,
  });
  admin.token = adminLogin.body.accessToken;
  const api = new DocatApi(target.gateways);
  const { email, password } = await api.registerFresh();
  // The soak account is on the plan whose upload limit the run raises, like the load test's.
  const found = await admin.request<{ items: { id: string; email: string }[] }>(
    'GET',
    `/v1/admin/users?email=${encodeURIComponent(email)}`,
  );
  const id = found.body.items.find((u) => u.email === email)?.id;
  if (!id) throw new Error('soak account not found');
  await admin.request('POST', `/v1/admin/users/${id}/plan`, { json: { plan: LOAD_PLAN } });
  // The plan rides in the access token: log in again to carry the new one, and again before
  // the token's 15 minutes run out.
  let loggedInAt = 0;
  const login = async () => {
    const res = await api.request<{ accessToken: string }>('POST', '/v1/auth/login', {
      json: { email, password },
      auth: false,
    });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    api.token = res.body.accessToken;
    loggedInAt = Date.now();
  };
  await login();
  const bytes = await readFile(pdf);
  // Opens the inspector before the first job, so its thread and socket are there from job 1
  // on and do not show as growth in threads or descriptors.
  if (COLLECT) await collectGarbage(proc.pid, inspectPort);
  await processMetrics(proc.managementPort);
  for (let i = 1; i <= JOBS; i++) {
    if (Date.now() - loggedInAt > 10 * 60_000) await login();
    const t = Date.now();
    const up = await api.uploadBytes(bytes, pdf.split('/').pop()!, { noCache: 'true' });
    if (up.status !== 202)
      throw new Error(`upload ${i} answered ${up.status}: ${JSON.stringify(up.body)}`);
    const job = await api.waitFinished(up.body.id, 300_000, 100);
    samples.push({
      job: i,
      ms: Date.now() - t,
      state: job.state,
      rss: rssOf(proc.pid),
      treeRss: treeRss(proc.pid),
      fds: fds(proc.pid),
      threads: statusField(proc.pid, 'Threads'),
      where: residentBy(proc.pid),
      ...(await processMetrics(proc.managementPort)),
    });
    if (COLLECT && settleAt(i)) {
      await collectGarbage(proc.pid, inspectPort);
      await new Promise((r) => setTimeout(r, 1_000));
      const m = await processMetrics(proc.managementPort);
      samples[samples.length - 1]!.collected = {
        rss: rssOf(proc.pid),
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        where: residentBy(proc.pid),
      };
      // The collection's pause is not the next job's event-loop delay: start its window now.
      await processMetrics(proc.managementPort);
    }
    if (SNAPSHOTS.has(i)) {
      snapshots.push(await heapSnapshot(proc.pid, outDir));
      console.log(`job ${i}: heap snapshot ${snapshots[snapshots.length - 1]}`);
    }
    if (i % 20 === 0) {
      const s = samples[samples.length - 1]!;
      console.log(
        `job ${i}: ${s.ms} ms, RSS ${(s.rss / 2 ** 20).toFixed(0)} MB (with PostgreSQL ${(s.treeRss / 2 ** 20).toFixed(0)} MB), heap ${(s.heapUsed / 2 ** 20).toFixed(0)} of ${(s.heapTotal / 2 ** 20).toFixed(0)} MB, external ${(s.external / 2 ** 20).toFixed(0)} MB, ${s.fds} fds, ${s.threads} threads, loop p99 ${s.loopP99Ms.toFixed(1)} ms; resident: C heap ${(s.where.cHeap! / 2 ** 20).toFixed(0)}, arenas ${(s.where.arenas! / 2 ** 20).toFixed(0)}, other anonymous ${(s.where.otherAnon! / 2 ** 20).toFixed(0)}, files ${(s.where.files! / 2 ** 20).toFixed(0)} MB${s.collected ? `; garbage collected: RSS ${(s.collected.rss / 2 ** 20).toFixed(0)} MB, heap ${(s.collected.heapUsed / 2 ** 20).toFixed(0)} of ${(s.collected.heapTotal / 2 ** 20).toFixed(0)} MB` : ''}`,
      );
    }
  }
} finally {
  await target.stop();
}

const at = (n: number) => samples[n - 1]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const first = at(FIRST);
const last = at(JOBS);
const earlyLoop = mean(samples.slice(FIRST, FIRST + 20).map((s) => s.loopP99Ms));
const lateLoop = mean(samples.slice(-20).map((s) => s.loopP99Ms));
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
// The raw samples: RSS the moment the job ended, wherever V8's collection cycle stood.
const rawRatio = last.rss / first.rss;
// Once the garbage is collected: what the process holds after those jobs (ADR 0023).
const collectedRatio =
  first.collected && last.collected ? last.collected.rss / first.collected.rss : undefined;
const rssRatio = collectedRatio ?? rawRatio;
// Shown beside the verdict, not judged: the raw RSS over 11 jobs around FIRST and the last 11.
const windowRatio =
  median(samples.slice(Math.max(0, FIRST - 6), FIRST + 5).map((s) => s.rss)) /
  median(samples.slice(-11).map((s) => s.rss));
// Resident memory outside the V8 heap (native: C heap, buffers, code, libraries).
const native = (s: { rss: number; heapTotal: number }) => s.rss - s.heapTotal;
const failures: string[] = [];
if (samples.some((s) => s.state !== 'completed'))
  failures.push(`${samples.filter((s) => s.state !== 'completed').length} jobs did not complete`);
if (Math.abs(rssRatio - 1) > 0.1)
  failures.push(
    `RSS after job ${JOBS} is ${rssRatio.toFixed(3)}x RSS after job ${FIRST}${collectedRatio === undefined ? '' : ' (garbage collected)'}`,
  );
// Descriptors in use move with the connections open at the moment (41-50 in the measured
// runs, with no trend): growth is judged on the mean of 20 jobs around FIRST against the
// last 20, allowing 2. A descriptor left behind per job would add one per job.
const earlyFds = mean(samples.slice(Math.max(0, FIRST - 10), FIRST + 10).map((s) => s.fds));
const lateFds = mean(samples.slice(-20).map((s) => s.fds));
if (lateFds > earlyFds + 2)
  failures.push(
    `open fds grew: mean ${earlyFds.toFixed(1)} around job ${FIRST}, ${lateFds.toFixed(1)} over the last 20`,
  );
if (lateLoop > earlyLoop + 10)
  failures.push(
    `event-loop delay p99 grew from ${earlyLoop.toFixed(1)} to ${lateLoop.toFixed(1)} ms`,
  );
const mb = (n: number) => (n / 2 ** 20).toFixed(1);
const report = [
  `# Docat soak: ${JOBS} jobs back to back through one standalone process`,
  '',
  `Document ${pdf.split('/').pop()}, each job waited for before the next; ${new Date().toISOString()}.`,
  '',
  '| after job | RSS MB | RSS with PostgreSQL MB | V8 heap used MB | V8 heap total MB | RSS outside the V8 heap MB | external MB | open fds | threads | event-loop delay p99 ms (since the previous job) | job ms | garbage collected: RSS MB | V8 heap used MB | V8 heap total MB |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...samples
    .filter((s) => s.job === 1 || s.job % 20 === 0)
    .map(
      (s) =>
        `| ${s.job} | ${mb(s.rss)} | ${mb(s.treeRss)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} | ${mb(native(s))} | ${mb(s.external)} | ${s.fds} | ${s.threads} | ${s.loopP99Ms.toFixed(1)} | ${s.ms} | ${s.collected ? mb(s.collected.rss) : '-'} | ${s.collected ? mb(s.collected.heapUsed) : '-'} | ${s.collected ? mb(s.collected.heapTotal) : '-'} |`,
    ),
  '',
  `RSS after job ${JOBS} / after job ${FIRST}${collectedRatio === undefined ? '' : ', garbage collected'}: ${rssRatio.toFixed(3)} (limit 0.9-1.1). Raw samples (the moment the job ended): ${rawRatio.toFixed(3)}; medians of the raw samples over the last 11 jobs and the 11 around job ${FIRST}: ${(1 / windowRatio).toFixed(3)} (shown, not judged). RSS outside the V8 heap: ${mb(native(first))} MB after job ${FIRST}, ${mb(native(last))} MB after job ${JOBS}. Threads: ${first.threads} -> ${last.threads}. Open fds: ${first.fds} -> ${last.fds} (mean around job ${FIRST} ${earlyFds.toFixed(1)}, over the last 20 ${lateFds.toFixed(1)}; limit +2). Event-loop delay p99, mean over jobs ${FIRST + 1}-${FIRST + 20}: ${earlyLoop.toFixed(1)} ms; over the last 20: ${lateLoop.toFixed(1)} ms. Job time, mean over the first and last 20: ${mean(samples.slice(0, 20).map((s) => s.ms)).toFixed(0)} and ${mean(samples.slice(-20).map((s) => s.ms)).toFixed(0)} ms.`,
  '',
  failures.length === 0
    ? 'Verdict: pass.'
    : `Verdict: FAIL\n\n${failures.map((f) => `- ${f}`).join('\n')}`,
  '',
].join('\n');
await writeFile(join(outDir, 'soak.md'), report);
await writeFile(join(outDir, 'soak.json'), JSON.stringify(samples));
console.log(report);
console.log(`soak report: ${join(outDir, 'soak.md')}`);
process.exit(failures.length === 0 ? 0 : 1);
