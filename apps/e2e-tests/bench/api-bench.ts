import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  corpusFile,
  requireCorpus,
  startCluster,
  startStandaloneTarget,
  type Cluster,
} from '@docat/testing';
import { DocatApi } from '../src/docat-api.js';

/**
 * The API's hot path against its baseline, from one run: `GET /v1/jobs/:id` on a finished
 * job at N connections, through Docat (standalone: one process; cluster: the gateway
 * over Redis Streams to ingestion, which answers from its snapshot cache) and through a
 * bare Fastify handler that answers the same JSON. Then 30 concurrent uploads of a 1 MB
 * PDF, timed until each 202, to the bare server (which only hashes the body and writes it
 * to disk: what any upload costs on this machine at this moment) and then to Docat. Every
 * upload sends the same prepared multipart body over node:http, so that the client costs
 * little and the same on both sides.
 *
 *   npm run bench:api                         (after building; 20 s per measurement)
 *   npm run bench:api -- --smoke              (a second each, two uploads: checks that it runs)
 *   npm run bench:api -- --modes standalone --duration 10 --cpu-prof /tmp/prof
 *
 * `--pause-workers` (cluster) stops the extraction processes while Docat's uploads are timed
 * (SIGSTOP, then SIGCONT once all answered): on two shared cores the jobs of a burst's first
 * uploads otherwise run beside the later uploads' storing.
 *
 * With the uploads it prints the CPU time each process used while Docat's uploads were timed
 * (cluster: each app and the S3 test server; standalone: the one process), and the S3
 * server's own CPU during the "S3 alone" round: on two shared cores, CPU is what a burst waits for.
 *
 * `--cpu-prof DIR` starts the Docat processes with `--cpu-prof` into DIR (written when
 * they stop). `--gateway-flags='--trace-gc …'` gives Node flags to the gateway's process
 * only (the standalone process in standalone mode), including those NODE_OPTIONS refuses. `--root DIR` runs the build of another checkout (a baseline to compare
 * with). `--workers N` sends the requests from N worker threads instead of this one (the
 * same client for both sides). The target: Docat ≥ 50% of bare req/s, with p99 < 50 ms.
 *
 * Each side's time is run in `--slices N` alternating slices (default 4): the table gives
 * the requests of all slices over their time, the request-weighted p50, and the highest
 * p99 of the slices (never better than the p99 of the whole). Before the first slice the
 * bench waits (at most 60 s, and says how long) until Docat's processes are quiet: the
 * job being polled has finished, but its last events and bookkeeping may still run.
 *
 * The client is measured too: its CPU time per request and the share of one core it used.
 * A client near a whole core was the bottleneck of that side (the bare server's req/s is
 * then a floor, and the ratio flatters Docat); the table says so.
 */
const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'standalone,cluster' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    uploads: { type: 'string' },
    'cpu-prof': { type: 'string' },
    root: { type: 'string' },
    workers: { type: 'string' },
    slices: { type: 'string' },
    bare: { type: 'string', default: 'same' },
    'gateway-flags': { type: 'string' },
    'pause-workers': { type: 'boolean', default: false },
  },
});

const SMOKE = args.smoke;
const DURATION_S = Number(args.duration ?? (SMOKE ? 1 : 20));
const CONNECTIONS = Number(args.connections ?? (SMOKE ? 10 : 100));
const UPLOADS = Number(args.uploads ?? (SMOKE ? 2 : 30));
const WORKERS = args.workers === undefined ? 0 : Number(args.workers);
/**
 * Each side's time is cut into this many slices, run alternately (Docat, bare, Docat, …), so
 * that a change in the machine's other load during the run weighs on both sides alike.
 */
const SLICES = Math.max(1, Number(args.slices ?? (SMOKE ? 1 : 4)));
/** Before measuring, Docat's processes may finish the job's tail work for at most this long. */
const SETTLE_MAX_MS = 60_000;
/** A client using at least this share of one core (in its own thread) is called saturated. */
const CLIENT_SATURATED = 0.9;
const MODES = args.modes
  .split(',')
  .map((m) => m.trim())
  .filter((m) => m.length > 0);
for (const mode of MODES)
  if (mode !== 'standalone' && mode !== 'cluster') throw new Error(`unknown mode ${mode}`);
const UPLOAD_FILE = 'tracemonkey.pdf';
/**
 * What the bare server answers a poll with. `same` (the default): Docat's JSON text and
 * Docat's response headers, so that both sides write the same bytes and the ratio measures
 * what Docat does besides writing them. `plain`: the JSON and Fastify's four headers only
 * (about 0.7 KB less per answer than Docat's eighteen): the baseline before, kept to compare.
 */
const BARE = args.bare;
if (BARE !== 'same' && BARE !== 'plain') throw new Error(`unknown --bare ${BARE}`);
/** Headers of Docat's answer the bare server does not copy: Node writes its own, or makes them per answer. */
const PER_ANSWER_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'x-request-id',
]);

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time the server's processes used per answered request, in microseconds (user + system). */
  cpuUsPerRequest: number | null;
  /** The kernel's part of that CPU time (socket reads and writes, mostly), in percent. */
  systemCpuPercent: number | null;
  /** CPU time the client (autocannon, this process) used per request, in microseconds. */
  clientCpuUsPerRequest: number;
  /** The client's CPU time over the run's wall time: 1 is one whole core. */
  clientCores: number;
}

/**
 * CPU time used so far by `pids`, in ms, from /proc (null where /proc is missing). On a
 * shared machine req/s follows the CPU share the scheduler gives each side; CPU time per
 * request does not, so the table gives both.
 */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function cpuMs(pids: readonly number[]): { total: number; system: number } | null {
  let total = 0;
  let system = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
      system += (Number(fields[12]) * 1000) / CLOCK_TICKS;
    } catch {
      return null;
    }
  }
  return { total, system };
}

interface Uploads {
  count: number;
  p50: number;
  p95: number;
  max: number;
  accepted: number;
  /** CPU time the client spent sending the uploads, in ms (all of them together). */
  clientCpuMs: number;
  loadAverage: string;
}

/** The gateway's garbage collection over Docat's slices, from its own `/metrics` (prom-client's GC observer). */
interface GatewayGc {
  /** Seconds of GC pauses, by kind (minor: scavenges; major: mark-compact; incremental: marking steps). */
  seconds: Record<string, number>;
  /** How many collections, by kind. */
  counts: Record<string, number>;
  /** Old space used before the first slice and after the last, in MB. */
  oldSpaceMb: { before: number; after: number };
}

interface Row {
  mode: string;
  gatewayGc?: GatewayGc;
  /** How long Docat's processes took to go quiet after the job finished, before measuring. */
  settledMs?: number;
  docat: Measured;
  bare: Measured;
  uploads?: Uploads;
  /** The same uploads to the bare server (hash and write to disk only), right after. */
  bareUploads?: Uploads;
  /**
   * Cluster only: the same number of concurrent PUTs of the file, straight to the S3 test
   * server the cluster stores into (the SDK's own client, nothing of Docat's): the store's
   * floor for the gateway's write at this moment.
   */
  s3Puts?: Uploads;
  /**
   * CPU time in ms each process used while Docat's uploads were timed (cluster: by app, and
   * the S3 test server; standalone: the one process), and the same for the S3 server during
   * the "S3 alone" round.
   */
  uploadCpuMs?: Record<string, number>;
  s3AloneCpuMs?: number;
}

async function measure(
  url: string,
  token: string | undefined,
  pids: readonly number[],
  duration = DURATION_S,
): Promise<Measured & { requests: number; seconds: number }> {
  const cpuBefore = cpuMs(pids);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(WORKERS > 0 ? { workers: WORKERS } : {}),
  });
  const wallUs = (performance.now() - started) * 1000;
  const client = process.cpuUsage(clientBefore);
  const clientUs = client.user + client.system;
  return {
    requests: result.requests.total,
    seconds: wallUs / 1e6,
    clientCpuUsPerRequest: Math.round(clientUs / Math.max(1, result.requests.total)),
    clientCores: Math.round((100 * clientUs) / wallUs) / 100,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ...cpuPerRequest(cpuBefore, cpuMs(pids), result.requests.total),
  };
}

/** This process's children (the services, the S3 test server, the bare server), by pid. */
function childPids(): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const text = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
      if (text) pids.push(...text.split(' ').map(Number));
    }
  } catch {
    // No /proc: no per-process figures.
  }
  return pids;
}

/** The pid of the S3 test server this bench forked (null if none runs). */
function s3ServerPid(): number | null {
  for (const pid of childPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('s3rver.child')) return pid;
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}

/** CPU ms used by each named group of processes while `run` ran. */
async function cpuDuring<T>(
  groups: Record<string, readonly number[]>,
  run: () => Promise<T>,
): Promise<{ result: T; cpu: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(groups).map(([k, p]) => [k, cpuMs(p)]));
  const result = await run();
  const cpu: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) {
    const after = cpuMs(pids);
    const was = before[name];
    if (after && was) cpu[name] = Math.round(after.total - was.total);
  }
  return { result, cpu };
}

function cpuPerRequest(
  before: { total: number; system: number } | null,
  after: { total: number; system: number } | null,
  requests: number,
): Pick<Measured, 'cpuUsPerRequest' | 'systemCpuPercent'> {
  if (before === null || after === null || requests <= 0)
    return { cpuUsPerRequest: null, systemCpuPercent: null };
  const total = after.total - before.total;
  return {
    cpuUsPerRequest: Math.round((total * 1000) / requests),
    systemCpuPercent: total > 0 ? Math.round((100 * (after.system - before.system)) / total) : null,
  };
}

/** One side's slices as one measurement (see SLICES). */
function combine(slices: readonly (Measured & { requests: number; seconds: number })[]): Measured {
  const requests = slices.reduce((n, m) => n + m.requests, 0);
  const seconds = slices.reduce((n, m) => n + m.seconds, 0);
  const weighted = (pick: (m: Measured) => number | null) => {
    let sum = 0;
    for (const m of slices) {
      const v = pick(m);
      if (v === null) return null;
      sum += v * m.requests;
    }
    return requests > 0 ? sum / requests : null;
  };
  const cpu = weighted((m) => m.cpuUsPerRequest);
  const system = weighted((m) =>
    m.cpuUsPerRequest === null || m.systemCpuPercent === null
      ? null
      : (m.cpuUsPerRequest * m.systemCpuPercent) / 100,
  );
  const clientCpu = weighted((m) => m.clientCpuUsPerRequest) ?? 0;
  return {
    rps: Math.round(requests / Math.max(1e-9, seconds)),
    p50: Math.round(weighted((m) => m.p50) ?? 0),
    p99: Math.max(...slices.map((m) => m.p99)),
    non2xx: slices.reduce((n, m) => n + m.non2xx, 0),
    errors: slices.reduce((n, m) => n + m.errors, 0),
    cpuUsPerRequest: cpu === null ? null : Math.round(cpu),
    systemCpuPercent:
      cpu === null || system === null || cpu === 0 ? null : Math.round((100 * system) / cpu),
    clientCpuUsPerRequest: Math.round(clientCpu),
    clientCores:
      Math.round(
        (100 * slices.reduce((n, m) => n + m.clientCores * m.seconds, 0)) / Math.max(1e-9, seconds),
      ) / 100,
  };
}

/**
 * Waits until `pids` use less than a tenth of a core over a second (the polled job's tail
 * work done), at most SETTLE_MAX_MS; answers the time waited in ms.
 */
async function settle(pids: readonly number[]): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < SETTLE_MAX_MS) {
    const before = cpuMs(pids);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = cpuMs(pids);
    if (before === null || after === null || after.total - before.total < 100) break;
  }
  return Math.round(performance.now() - started);
}

/** The headers of Docat's answer to a poll that the bare server sends too (see BARE). */
async function answerHeaders(url: string, token: string): Promise<Record<string, string>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`poll answered ${response.status}`);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!PER_ANSWER_HEADERS.has(name)) headers[name] = value;
  });
  return headers;
}

function startBare(
  body: unknown,
  headers: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const entry = fileURLToPath(new URL('./bare-fastify.js', import.meta.url));
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, BARE_BODY: JSON.stringify(body), BARE_HEADERS: JSON.stringify(headers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare Fastify exited (${code})`)));
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({ url: `http://127.0.0.1:${chunk.toString('utf8').trim()}`, child }),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * One multipart body, made once and sent as it is by every upload: the form `DocatApi`
 * sends (target language, outputs, no result cache, the file), without `fetch` and
 * `FormData`, which cost the client about 6 ms of CPU per 1 MB upload against 0.5 ms for
 * a prepared buffer. 30 uploads at once from a client that busy timed the client as much
 * as the servers.
 */
function multipartBody(bytes: Uint8Array): { body: Buffer; contentType: string } {
  const boundary = `----docat-bench-${randomUUID()}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head =
    field('targetLanguage', 'de') +
    field('outputs', 'md,txt,json') +
    field('noCache', 'true') +
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${UPLOAD_FILE}"\r\ncontent-type: application/pdf\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** POSTs a prepared multipart body to `/v1/documents`; answers the status and the time to it. */
function postUpload(
  baseUrl: string,
  token: string | undefined,
  upload: { body: Buffer; contentType: string },
): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}/v1/documents`,
      {
        method: 'POST',
        headers: {
          'content-type': upload.contentType,
          'content-length': String(upload.body.length),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }),
        );
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(upload.body);
  });
}

async function uploads(
  baseUrl: string,
  token: string | undefined,
  bytes: Uint8Array,
): Promise<Uploads> {
  const upload = multipartBody(bytes);
  const clientBefore = process.cpuUsage();
  const timings = await Promise.all(
    Array.from({ length: UPLOADS }, () => postUpload(baseUrl, token, upload)),
  );
  const client = process.cpuUsage(clientBefore);
  return summarise(timings, (client.user + client.system) / 1000, 202);
}

/**
 * UPLOADS concurrent PUTs of `bytes` to the S3-compatible server named by the cluster's
 * environment (S3_ENDPOINT...), each timed until its answer. A first round of as many PUTs,
 * not timed, warms the server (its code runs interpreted until V8 compiles it: a cold
 * round took 1.1-1.4 s where the next took 0.4-0.8 s at the same load) and opens the
 * client's connections; Docat's uploads, measured after, find the server warmed by it too.
 * Null when the cluster does not store into an S3 server.
 */
async function s3Puts(env: Record<string, string>, bytes: Uint8Array): Promise<Uploads | null> {
  if (!env.S3_ENDPOINT || !env.S3_BUCKET) return null;
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
    },
    // As Docat's adapter: no CRC32 trailers, which the test server rejects.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const put = async (): Promise<{ ms: number; status: number }> => {
    const started = performance.now();
    const out = await client.send(
      new PutObjectCommand({
        Bucket: env.S3_BUCKET,
        Key: `bench-baseline/${randomUUID()}`,
        Body: bytes,
        ContentType: 'application/pdf',
      }),
    );
    return { ms: performance.now() - started, status: out.$metadata.httpStatusCode ?? 0 };
  };
  try {
    await Promise.all(Array.from({ length: UPLOADS }, put));
    const clientBefore = process.cpuUsage();
    const timings = await Promise.all(Array.from({ length: UPLOADS }, put));
    const used = process.cpuUsage(clientBefore);
    return summarise(timings, (used.user + used.system) / 1000, 200);
  } finally {
    client.destroy();
  }
}

function summarise(
  timings: readonly { ms: number; status: number }[],
  clientCpuMs: number,
  okStatus: number,
): Uploads {
  const sorted = timings.map((t) => t.ms).sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return {
    count: timings.length,
    p50: at(0.5),
    p95: at(0.95),
    max: Math.round(sorted.at(-1)!),
    accepted: timings.filter((t) => t.status === okStatus).length,
    clientCpuMs: Math.round(clientCpuMs),
    loadAverage: loadAverage(),
  };
}

interface GcSample {
  sums: Record<string, number>;
  counts: Record<string, number>;
  oldSpaceBytes: number;
}

/** GC totals and old-space size the gateway reports on its management port (null if it does not answer). */
async function gcSample(managementPort: number): Promise<GcSample | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${managementPort}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    const sample: GcSample = { sums: {}, counts: {}, oldSpaceBytes: 0 };
    for (const m of text.matchAll(
      /^docat_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([0-9.e+-]+)$/gm,
    ))
      (m[1] === 'sum' ? sample.sums : sample.counts)[m[2]!] = Number(m[3]);
    const old = /^docat_nodejs_heap_space_size_used_bytes\{space="old"\} ([0-9.e+-]+)$/m.exec(text);
    sample.oldSpaceBytes = old ? Number(old[1]) : 0;
    return sample;
  } catch {
    return null;
  }
}

function gcBetween(before: GcSample | null, after: GcSample | null): GatewayGc | undefined {
  if (before === null || after === null) return undefined;
  const seconds: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const kind of Object.keys(after.sums)) {
    seconds[kind] = Math.round(1000 * (after.sums[kind]! - (before.sums[kind] ?? 0))) / 1000;
    counts[kind] = (after.counts[kind] ?? 0) - (before.counts[kind] ?? 0);
  }
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  return {
    seconds,
    counts,
    oldSpaceMb: { before: mb(before.oldSpaceBytes), after: mb(after.oldSpaceBytes) },
  };
}

async function runMode(mode: 'standalone' | 'cluster', pdf: Uint8Array): Promise<Row> {
  const env: Record<string, string> = {
    // The bench measures the work of each request, not the refusal of the 1,001st.
    RATE_LIMIT_API_GENERAL: '100000000/hour',
    RATE_LIMIT_PDF_UPLOAD: '100000/hour',
    ...(args['cpu-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${args['cpu-prof']}` } : {}),
  };
  const gatewayFlags = args['gateway-flags']?.split(' ').filter((f) => f.length > 0) ?? [];
  const launcher =
    args.root || gatewayFlags.length > 0
      ? {
          launcher: {
            ...(args.root ? { root: () => args.root! } : {}),
            // Node's flags for the gateway's process only (the standalone process is the gateway).
            command: (script: string) => ({
              file: process.execPath,
              args: /[/\\]apps[/\\](gateway|standalone)[/\\]/.test(script)
                ? [...gatewayFlags, script]
                : [script],
            }),
          },
        }
      : {};
  const target: Cluster =
    mode === 'standalone'
      ? await startStandaloneTarget({ env, ...launcher })
      : await startCluster({ env, replicas: { gateway: 1, extraction: 1 }, ...launcher });
  try {
    const api = new DocatApi(target.gateways);
    await api.registerFresh();
    const created = await api.uploadBytes(pdf, UPLOAD_FILE);
    if (created.status !== 202)
      throw new Error(`upload answered ${created.status}: ${JSON.stringify(created.body)}`);
    // A finished job's answer no longer changes; the smoke run polls whatever state it is in.
    const job = SMOKE
      ? (await api.job(created.body.id)).body
      : await api.waitFinished(created.body.id, 180_000);
    const jobUrl = `${target.gateways[0]}/v1/jobs/${job.id}`;
    const bare = await startBare(
      job,
      BARE === 'same' ? await answerHeaders(jobUrl, api.token!) : {},
    );
    // Every Docat process (in cluster mode the gateway and the services behind it) against the bare server's one.
    const docatPids = [...new Set(target.processes.map((p) => p.pid))];
    const barePids = bare.child.pid === undefined ? [] : [bare.child.pid];
    try {
      const bareUrl = `${bare.url}/v1/jobs/${job.id}`;
      let settledMs: number | undefined;
      if (!SMOKE) {
        settledMs = await settle(docatPids);
        // Warm both sides alike: JIT, connection pools, caches.
        await measure(jobUrl, api.token, docatPids, 1);
        await measure(bareUrl, undefined, barePids, 1);
      }
      const docatSlices: Awaited<ReturnType<typeof measure>>[] = [];
      const bareSlices: Awaited<ReturnType<typeof measure>>[] = [];
      const slice = DURATION_S / SLICES;
      const gatewayPort = target.processes.find((p) => p.app === 'gateway')?.managementPort;
      const gcBefore = gatewayPort === undefined ? null : await gcSample(gatewayPort);
      for (let i = 0; i < SLICES; i++) {
        docatSlices.push(await measure(jobUrl, api.token, docatPids, slice));
        bareSlices.push(await measure(bareUrl, undefined, barePids, slice));
      }
      const gatewayGc = gcBetween(
        gcBefore,
        gatewayPort === undefined ? null : await gcSample(gatewayPort),
      );
      const row: Row = {
        mode,
        ...(gatewayGc ? { gatewayGc } : {}),
        docat: combine(docatSlices),
        bare: combine(bareSlices),
        ...(settledMs === undefined ? {} : { settledMs }),
      };
      if (UPLOADS > 0) {
        // The bare server first: Docat's 30 new jobs then run while nothing else is measured.
        row.bareUploads = await uploads(bare.url, undefined, pdf);
        // Then the S3 server by itself, still before Docat's uploads and their jobs.
        const s3Pid = s3ServerPid();
        const s3Group: Record<string, number[]> = s3Pid === null ? {} : { 'S3 server': [s3Pid] };
        const alone = await cpuDuring(s3Group, () => s3Puts(target.env, pdf));
        if (alone.result) row.s3Puts = alone.result;
        if (alone.cpu['S3 server'] !== undefined) row.s3AloneCpuMs = alone.cpu['S3 server'];
        // --pause-workers (cluster): the extraction processes are stopped while Docat's uploads
        // are timed, so that the jobs of the burst's first uploads do not run on the same cores
        // as the later uploads' storing; they go on once every upload answered. (Translation
        // answers the upload's engine resolution, so it keeps running; its jobs wait for
        // extraction anyway.)
        const workers = args['pause-workers']
          ? target.processes.filter((p) => p.app === 'extraction')
          : [];
        for (const w of workers) process.kill(w.pid, 'SIGSTOP');
        try {
          const byApp: Record<string, number[]> = { ...s3Group };
          // By process: in standalone mode every app is the one process.
          const appsOf = new Map<number, string[]>();
          for (const p of target.processes)
            appsOf.set(p.pid, [...(appsOf.get(p.pid) ?? []), p.app]);
          for (const [pid, apps] of appsOf) {
            const name = apps.length > 1 ? 'the one process' : apps[0]!;
            (byApp[name] ??= []).push(pid);
          }
          const timed = await cpuDuring(byApp, () => uploads(target.gateways[0]!, api.token, pdf));
          row.uploads = timed.result;
          row.uploadCpuMs = timed.cpu;
        } finally {
          for (const w of workers) process.kill(w.pid, 'SIGCONT');
        }
      }
      return row;
    } finally {
      await stopChild(bare.child);
    }
  } finally {
    // The numbers stand even if a process is slow to stop (the uploaded jobs are still running).
    await target
      .stop()
      .catch((err: unknown) =>
        console.error(`stop: ${err instanceof Error ? err.message : String(err)}`),
      );
  }
}

const corpus = requireCorpus(UPLOAD_FILE);
if (!corpus.ok) {
  console.log(`skipped: ${corpus.skip}`);
  process.exit(0);
}
const pdf = await readFile(corpusFile(UPLOAD_FILE));
const rows: Row[] = [];
for (const mode of MODES) {
  const row = await runMode(mode as 'standalone' | 'cluster', pdf);
  console.log(JSON.stringify({ bench: 'api', mode, row }));
  rows.push(row);
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
console.log(
  `GET /v1/jobs/:id, ${CONNECTIONS} connections, ${DURATION_S} s each in ${SLICES} alternating slice${SLICES === 1 ? '' : 's'}${SMOKE ? ' (smoke)' : ''}, client autocannon ${WORKERS > 0 ? `in ${WORKERS} worker threads` : 'in one thread'} (the same for both sides); bare answers ${BARE === 'same' ? "Docat's JSON text with Docat's headers" : 'the JSON with its own headers only (--bare plain)'}; load average ${loadAverage()}`,
);
console.log(
  '| mode | Docat req/s | Docat p50 / p99 ms | bare Fastify req/s | bare p50 / p99 ms | Docat / bare | CPU µs per request, Docat / bare | bare / Docat CPU | non-2xx | errors |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const clientNotes: string[] = [];
const cpu = (m: Measured) =>
  m.cpuUsPerRequest === null
    ? 'n/a'
    : `${m.cpuUsPerRequest}${m.systemCpuPercent === null ? '' : ` (${m.systemCpuPercent}% kernel)`}`;
for (const r of rows) {
  const cpuRatio =
    r.docat.cpuUsPerRequest && r.bare.cpuUsPerRequest
      ? pct(r.bare.cpuUsPerRequest, r.docat.cpuUsPerRequest)
      : 'n/a';
  console.log(
    `| ${r.mode} | ${r.docat.rps} | ${r.docat.p50} / ${r.docat.p99} | ${r.bare.rps} | ${r.bare.p50} / ${r.bare.p99} | ${pct(r.docat.rps, r.bare.rps)} | ${cpu(r.docat)} / ${cpu(r.bare)} | ${cpuRatio} | ${r.docat.non2xx} | ${r.docat.errors} |`,
  );
  clientNotes.push(
    `| ${r.mode} | ${r.docat.clientCpuUsPerRequest} / ${r.bare.clientCpuUsPerRequest} | ${r.docat.clientCores} / ${r.bare.clientCores} | ${saturation(r)} |`,
  );
}
/** Whether the client was the bottleneck of either side (a thread near a whole core). */
function saturation(r: Row): string {
  const threads = Math.max(1, WORKERS);
  const saturated = (m: Measured) => m.clientCores / threads >= CLIENT_SATURATED;
  if (saturated(r.bare))
    return 'client saturated on the bare side: its req/s is a floor, the ratio flatters Docat';
  if (saturated(r.docat)) return 'client saturated on the Docat side';
  return 'no';
}
console.log('\nThe client (autocannon, the same for both sides)');
console.log(
  '| mode | client CPU µs per request, Docat / bare | client cores used, Docat / bare | bottleneck |',
);
console.log('|---|---:|---:|---|');
for (const line of clientNotes) console.log(line);
console.log(
  "\nThe gateway's garbage collection during Docat's slices (its /metrics; in standalone the whole process)",
);
console.log('| mode | GC s by kind | collections by kind | old space MB, before / after |');
console.log('|---|---|---|---:|');
for (const r of rows)
  if (r.gatewayGc) {
    const kinds = Object.keys(r.gatewayGc.seconds).filter((k) => r.gatewayGc!.counts[k]! > 0);
    console.log(
      `| ${r.mode} | ${kinds.map((k) => `${k} ${r.gatewayGc!.seconds[k]!.toFixed(2)}`).join(', ')} | ${kinds.map((k) => `${k} ${r.gatewayGc!.counts[k]}`).join(', ')} | ${r.gatewayGc.oldSpaceMb.before} / ${r.gatewayGc.oldSpaceMb.after} |`,
    );
  }
for (const r of rows)
  if (r.settledMs !== undefined)
    console.log(
      `${r.mode}: Docat's processes were quiet ${(r.settledMs / 1000).toFixed(1)} s after the job finished`,
    );
console.log(
  `\n${UPLOADS} concurrent uploads of ${UPLOAD_FILE} (${(pdf.length / 1e6).toFixed(2)} MB), time to 202, one prepared multipart body over node:http; bare (measured first): the body hashed and written to disk, nothing else; S3 alone (cluster, measured second, after an untimed round that warms the server): the same number of concurrent PUTs of the file straight to the cluster's S3 test server`,
);
console.log(
  '| mode | accepted | p50 ms | p95 ms | max ms | bare p50 / p95 ms | Docat / bare p95 | S3 alone p50 / p95 ms | Docat / S3 alone p95 | client CPU ms, Docat / bare | load average |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows)
  if (r.uploads)
    console.log(
      `| ${r.mode} | ${r.uploads.accepted}/${r.uploads.count} | ${r.uploads.p50} | ${r.uploads.p95} | ${r.uploads.max} | ${r.bareUploads ? `${r.bareUploads.p50} / ${r.bareUploads.p95}` : 'n/a'} | ${r.bareUploads ? `${(r.uploads.p95 / Math.max(1, r.bareUploads.p95)).toFixed(2)}x` : 'n/a'} | ${r.s3Puts ? `${r.s3Puts.p50} / ${r.s3Puts.p95}` : 'n/a'} | ${r.s3Puts ? `${(r.uploads.p95 / Math.max(1, r.s3Puts.p95)).toFixed(2)}x` : 'n/a'} | ${r.uploads.clientCpuMs} / ${r.bareUploads?.clientCpuMs ?? 'n/a'} | ${r.uploads.loadAverage} |`,
    );
for (const r of rows)
  if (r.uploadCpuMs)
    console.log(
      `${r.mode}: CPU ms while Docat's uploads were timed: ${Object.entries(r.uploadCpuMs)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(
          ', ',
        )}${r.s3AloneCpuMs === undefined ? '' : `; the S3 server during "S3 alone": ${r.s3AloneCpuMs}`}`,
    );
console.log(`load average at the end: ${loadAverage()}`);
console.log(
  JSON.stringify({ bench: 'api', connections: CONNECTIONS, durationSeconds: DURATION_S, rows }),
);

const failed = rows.filter(
  (r) =>
    r.docat.non2xx > 0 ||
    r.docat.errors > 0 ||
    r.docat.rps === 0 ||
    (r.uploads && r.uploads.accepted < r.uploads.count),
);
if (failed.length > 0) {
  console.error(`requests failed in: ${failed.map((r) => r.mode).join(', ')}`);
  process.exitCode = 1;
}
