import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { TERMINAL_STATES, type JobView } from '@docat/contracts';
import { startCluster, type Cluster, type ProcessInfo } from '@docat/testing';
import {
  FakeLibreTranslateServer,
  type FakeFault,
  type FakeServerOptions,
} from '@docat/translate/testing';
import { DocatApi } from '../src/docat-api.js';
import { ChaosPostgres, ChaosRedis, childPidsMatching } from './chaos-infra.js';

/** Outputs compared with the undisturbed run, byte for byte. */
export const CHAOS_FORMATS = ['md', 'txt', 'json'] as const;

/** What the fake engine does with the next requests; switched by the engine scenarios. */
export type EngineMode = 'ok' | 'error-500' | 'storm-429' | 'hang';

/**
 * How long a request that arrives in `hang` mode is held: past the LibreTranslate client's
 * 60 s timeout, so the client gives up first.
 */
export const ENGINE_HANG_MS = 75_000;

/** Everything a run starts of its own: Redis, PostgreSQL, the fake engine, and the cluster on them. */
export interface ChaosSystem {
  cluster: Cluster;
  redis: ChaosRedis;
  postgres: ChaosPostgres;
  engine: FakeLibreTranslateServer;
  /** Mutable: the fake reads it on every request. */
  engineOptions: { latencyMs: number };
  setEngineMode(mode: EngineMode): void;
  /** Translation requests the fake received in each mode since the start. */
  engineRequests: Record<EngineMode, number>;
  /** Replicas started to replace killed ones, stopped at the end. */
  extra: ProcessInfo[];
  stop(): Promise<void>;
}

/**
 * Starts a Redis and a PostgreSQL of the run's own (the machine's shared servers are never
 * restarted), a fake LibreTranslate as the only engine, and the cluster on them: one gateway,
 * two extraction and two translation replicas, one of the rest.
 */
export async function startChaosSystem(
  log: (line: string) => void = () => undefined,
): Promise<ChaosSystem> {
  const redis = await ChaosRedis.start();
  const postgres = await ChaosPostgres.start();
  let mode: EngineMode = 'ok';
  const engineRequests: Record<EngineMode, number> = {
    ok: 0,
    'error-500': 0,
    'storm-429': 0,
    hang: 0,
  };
  // The fake keeps this object and reads it on every request, so changing it changes the engine.
  const engineOptions: FakeServerOptions & { latencyMs: number } = {
    latencyMs: 0,
    faults: (): FakeFault | undefined => {
      engineRequests[mode] += 1;
      if (mode === 'hang') return { kind: 'hang', ms: ENGINE_HANG_MS };
      if (mode === 'error-500')
        return { kind: 'status', status: 500, body: '{"error":"internal"}' };
      if (mode === 'storm-429')
        return {
          kind: 'status',
          status: 429,
          retryAfter: '1',
          body: '{"error":"Too many requests"}',
        };
      return undefined;
    },
  };
  const engine = await new FakeLibreTranslateServer(engineOptions).start();
  const saved = { REDIS_URL: process.env.REDIS_URL, DATABASE_URL: process.env.DATABASE_URL };
  // The cluster fixture takes its servers from these; only for the start.
  process.env.REDIS_URL = redis.url;
  process.env.DATABASE_URL = postgres.url();
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      replicas: { gateway: 1, extraction: 2, translation: 2 },
      env: {
        TRANSLATION_ENGINES: 'libretranslate',
        LIBRETRANSLATE_URL: engine.url,
      },
      readyTimeoutMs: 180_000,
    });
  } catch (err) {
    await engine.close();
    await postgres.stop();
    await redis.stop();
    throw err;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  log(
    `cluster up: gateway ${cluster.gateways[0]}, redis ${redis.url}, postgres ${postgres.port}, engine ${engine.url}`,
  );
  const extra: ProcessInfo[] = [];
  return {
    cluster,
    redis,
    postgres,
    engine,
    engineOptions,
    setEngineMode(next) {
      mode = next;
    },
    engineRequests,
    extra,
    async stop() {
      await cluster.stop().catch((err: unknown) => log(`cluster stop: ${(err as Error).message}`));
      await engine.close();
      await postgres.stop();
      await redis.stop();
    },
  };
}

export interface Reference {
  outputs: Record<string, string>;
  credits: number;
  pages: number;
}

export interface ScenarioResult {
  name: string;
  what: string;
  submitted: number;
  refused: Record<string, number>;
  completed: number;
  failed: Record<string, number>;
  unfinished: number;
  lost: number;
  chargedTwice: number;
  chargedWrong: number;
  outputsDiffer: number;
  stepRunsAgain: number;
  /** Workers killed by the scenario, with what became of the step each held. */
  kills: KillRecord[];
  seconds: number;
  ok: boolean;
  notes: string[];
}

/** A chunk step claimed by a worker, as the jobs tables hold it. */
export interface HeldStep {
  jobId: string;
  chunk: number;
  step: 'extract' | 'translate';
  lease: number;
  holder: string;
}

/** A replica killed while it held a chunk step. */
export interface KillRecord {
  replica: string;
  pid: number;
  /** The step seen held by the victim's worker just before the kill. */
  step: HeldStep;
  /** Every chunk step of these jobs the victim still held just after the kill. */
  held: HeldStep[];
  /**
   * Claims of `step` by another run after the kill, from ingestion's log ("run N"), counted
   * once the jobs ended: 1 means the step ran again exactly once; -1 when another step the
   * victim held was granted again more than once.
   */
  runsAgain: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function metricSum(
  processes: readonly ProcessInfo[],
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  let sum = 0;
  for (const port of new Set(processes.filter((p) => alive(p.pid)).map((p) => p.managementPort))) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    }).catch(() => null);
    if (!res || res.status !== 200) continue;
    for (const line of (await res.text()).split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const found: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[k!] = v!;
      if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(m[3]);
    }
  }
  return sum;
}

/** Credits charged per job from the ledger: the work entries, and how many there are per (job, step, kind). */
async function charges(
  databaseUrl: string,
  jobIds: readonly string[],
): Promise<Map<string, { credits: number; entries: number; distinct: number }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      job_id: string;
      credits: string;
      entries: string;
      distinct_entries: string;
    }>(
      `SELECT job_id, sum(credits) AS credits, count(*) AS entries, count(DISTINCT (step, kind)) AS distinct_entries
         FROM auth.credit_ledger WHERE kind IN ('text_pages', 'ocr_pages', 'translation') AND job_id = ANY($1) GROUP BY job_id`,
      [jobIds],
    );
    return new Map(
      rows.map((r) => [
        r.job_id,
        {
          credits: Number(r.credits),
          entries: Number(r.entries),
          distinct: Number(r.distinct_entries),
        },
      ]),
    );
  } finally {
    await client.end();
  }
}

/** The charges once every listed job has its work entries: settlement follows a job's end by an RPC. */
async function settledCharges(
  databaseUrl: string,
  jobIds: readonly string[],
  waitMs = 30_000,
): Promise<Awaited<ReturnType<typeof charges>>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await charges(databaseUrl, jobIds);
    if (jobIds.every((id) => found.has(id)) || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function outputsOf(api: DocatApi, jobId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const format of CHAOS_FORMATS) {
    const res = await api.result(jobId, format);
    if (res.status !== 200) throw new Error(`result ${format} of ${jobId} answered ${res.status}`);
    out[format] = res.body;
  }
  return out;
}

/** The job of the undisturbed run: its outputs and what it was charged. */
export async function referenceRun(system: ChaosSystem, pdf: string): Promise<Reference> {
  const api = new DocatApi(system.cluster.gateways);
  await api.registerFresh();
  const up = await api.uploadBytes(await readFile(pdf), pdf.split('/').pop()!, { noCache: 'true' });
  if (up.status !== 202) throw new Error(`reference upload answered ${up.status}`);
  const job = await api.waitFinished(up.body.id, 300_000, 250);
  if (job.state !== 'completed')
    throw new Error(`the undisturbed job ended ${job.state}: ${JSON.stringify(job.error)}`);
  const charged = await settledCharges(system.cluster.env.DATABASE_URL!, [job.id]);
  return {
    outputs: await outputsOf(api, job.id),
    credits: charged.get(job.id)?.credits ?? 0,
    pages: job.pages ?? 0,
  };
}

export interface ScenarioContext {
  system: ChaosSystem;
  /** The scenario's accepted jobs; filled while the uploads go out. */
  jobs: JobView[];
  apis: DocatApi[];
  log: (line: string) => void;
  /** Workers the fault killed; checked once the jobs end. */
  kills: KillRecord[];
  /** Waits until one of the scenario's jobs is at `stage` (or any stage past queued when omitted). */
  waitForStage(stage?: string, timeoutMs?: number): Promise<void>;
}

export interface Scenario {
  name: string;
  /** Jobs sent before the fault (spread over `accounts`). */
  jobs: number;
  accounts?: number;
  /** Sent all at once instead of one after another. */
  burst?: boolean;
  /** Upload fields besides the defaults (`noCache` is always set). */
  fields?: Record<string, string>;
  /** The fault starts with the first upload instead of after the last. */
  faultDuringUploads?: boolean;
  /** How long the scenario's jobs may take to end, from the first upload (default 600 s). */
  timeoutMs?: number;
  fault(ctx: ScenarioContext): Promise<string>;
}

/**
 * Every job goes to the engine: with translation memory on (the default), a job whose
 * segments an earlier job of the same account translated never calls the engine.
 */
export const WITHOUT_MEMORY = { useMemory: 'false' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker a step lease names (`host/pid/tag/run`, see StepRunner), and its process id. */
export function workerOfHolder(holder: string): { worker: string; pid: number } | undefined {
  const m = /^(.+\/(\d+)\/[0-9a-f]{8})\/[0-9a-f-]{36}$/.exec(holder);
  return m ? { worker: m[1]!, pid: Number(m[2]) } : undefined;
}

interface ChunkLeaseRow {
  job_id: string;
  chunk: number;
  step: 'extract' | 'translate';
  lease: number;
  holder: string;
}

const heldStep = (r: ChunkLeaseRow): HeldStep => ({
  jobId: r.job_id,
  chunk: r.chunk,
  step: r.step,
  lease: r.lease,
  holder: r.holder,
});

/**
 * Watches the jobs table (not the API's cached status, which can miss a short stage) until
 * a worker holds a live lease on a `step` of one of the scenario's jobs and `accept` takes
 * it; answers that step. Polls every 20 ms.
 */
export async function waitForHeldStep(
  ctx: ScenarioContext,
  step: HeldStep['step'],
  accept: (held: HeldStep) => boolean = () => true,
  waitMs = 120_000,
): Promise<HeldStep> {
  const db = new pg.Client({ connectionString: ctx.system.cluster.env.DATABASE_URL });
  await db.connect();
  try {
    const deadline = Date.now() + waitMs;
    let looks = 0;
    while (Date.now() < deadline) {
      looks += 1;
      const ids = ctx.jobs.map((j) => j.id);
      if (ids.length > 0) {
        const { rows } = await db.query<ChunkLeaseRow>(
          `SELECT job_id, chunk, step, lease, holder FROM ingestion.job_chunks
            WHERE step = $1 AND state = 'running' AND holder IS NOT NULL AND lease_expires_at > now() AND job_id = ANY($2)`,
          [step, ids],
        );
        const found = rows.map(heldStep).find(accept);
        if (found) return found;
      }
      await sleep(20);
    }
    throw new Error(
      `no ${step} step of the ${ctx.jobs.length} jobs was held by a worker within ${waitMs} ms (${looks} looks at the jobs table)`,
    );
  } finally {
    await db.end();
  }
}

/** Whether the killed replica's log says it finished `step` (the kill then came too late to count). */
async function finishedBeforeKill(log: string, step: HeldStep): Promise<boolean> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.includes(`${step.step} done job=${step.jobId} chunk=${step.chunk} `);
}

/**
 * Waits in the jobs table until a replica of `app` holds a `step` of one of these jobs,
 * kills that replica with SIGKILL and starts a replacement. A victim whose log shows the
 * step already finished (the kill came a moment late) does not count: the next held step
 * is taken, up to three kills. The step's re-run is checked once the jobs end.
 */
export async function killHolder(
  ctx: ScenarioContext,
  app: 'extraction' | 'translation',
  step: HeldStep['step'],
  waitMs = 120_000,
): Promise<string> {
  const live = () =>
    [...ctx.system.cluster.processes, ...ctx.system.extra].filter(
      (p) => p.app === app && alive(p.pid),
    );
  const late: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    let victim: ProcessInfo | undefined;
    const held = await waitForHeldStep(
      ctx,
      step,
      (h) => {
        const pid = workerOfHolder(h.holder)?.pid;
        victim = live().find((p) => p.pid === pid);
        return victim !== undefined && !late.includes(`${h.jobId}/${h.chunk}`);
      },
      waitMs,
    );
    process.kill(victim!.pid, 'SIGKILL');
    const worker = workerOfHolder(held.holder)!.worker;
    const db = new pg.Client({ connectionString: ctx.system.cluster.env.DATABASE_URL });
    await db.connect();
    const all = await db
      .query<ChunkLeaseRow>(
        `SELECT job_id, chunk, step, lease, holder FROM ingestion.job_chunks
          WHERE state = 'running' AND left(holder, length($1) + 1) = $1 || '/' AND job_id = ANY($2)`,
        [worker, ctx.jobs.map((j) => j.id)],
      )
      .finally(() => db.end());
    const replacement = await ctx.system.cluster.addReplica(app);
    ctx.system.extra.push(replacement);
    const name = `${app}-${victim!.replica}`;
    if (await finishedBeforeKill(victim!.logFile, held)) {
      ctx.log(
        `${name} had finished ${step} of job ${held.jobId} chunk ${held.chunk} before the kill; trying again`,
      );
      late.push(`${held.jobId}/${held.chunk}`);
      continue;
    }
    ctx.kills.push({
      replica: name,
      pid: victim!.pid,
      step: held,
      held: all.rows.map(heldStep),
      runsAgain: 0,
    });
    return `kill -9 of ${name} (pid ${victim!.pid}) while the jobs table showed it holding the ${step} step of job ${held.jobId} chunk ${held.chunk} (lease ${held.lease})${late.length > 0 ? ` (${late.length} earlier kill(s) came after the step had finished)` : ''}; a replacement started`;
  }
  throw new Error(`every kill of ${app} came after the held ${step} step had finished`);
}

/** Claims of a step by another run ("run N", N > 1) in ingestion's logs. */
async function rerunsOf(system: ChaosSystem, step: HeldStep): Promise<number[]> {
  const runs: number[] = [];
  const pattern = new RegExp(
    `job ${step.jobId} chunk ${step.chunk} ${step.step} lease \\d+: run (\\d+)`,
    'g',
  );
  for (const p of [...system.cluster.processes, ...system.extra].filter(
    (p) => p.app === 'ingestion',
  )) {
    const text = await readFile(p.logFile, 'utf8').catch(() => '');
    for (const m of text.matchAll(pattern)) runs.push(Number(m[1]));
  }
  return runs;
}

export const SCENARIOS: Record<string, Scenario> = {
  'kill-extraction': {
    name: 'kill -9 of an extraction worker holding a chunk',
    jobs: 8,
    faultDuringUploads: true,
    fault: (ctx) => killHolder(ctx, 'extraction', 'extract'),
  },
  'kill-translation': {
    name: 'kill -9 of a translation worker holding a chunk',
    jobs: 8,
    fields: WITHOUT_MEMORY,
    faultDuringUploads: true,
    async fault(ctx) {
      // Engine answers after 1 s while the victim is found, so the step is still running at the kill.
      ctx.system.engineOptions.latencyMs = 1_000;
      try {
        return await killHolder(ctx, 'translation', 'translate');
      } finally {
        ctx.system.engineOptions.latencyMs = 0;
      }
    },
  },
  'redis-restart': {
    name: 'Redis restarted (append-only file, fsync every second)',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage();
      await ctx.system.redis.restart({ signal: 'SIGTERM', keepData: true, downMs: 2_000 });
      return 'Redis stopped (SIGTERM: the append-only file is flushed), down 2 s, started on the same data';
    },
  },
  'redis-restart-no-persistence': {
    name: 'Redis restarted without persistence (all its data gone)',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage();
      await ctx.system.redis.restart({ signal: 'SIGKILL', keepData: false, downMs: 2_000 });
      return 'Redis killed (SIGKILL), its data folder emptied, down 2 s, started empty: streams, queues, snapshots and limits lost';
    },
  },
  'postgres-restart': {
    name: 'PostgreSQL restarted',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage();
      await ctx.system.postgres.restart(3_000);
      return 'PostgreSQL fast shutdown (every connection cut), down 3 s, started on the same data';
    },
  },
  'storage-unavailable': {
    name: 'object storage unavailable for 30 s',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage();
      const pids = childPidsMatching('s3rver.child');
      if (pids.length !== 1) throw new Error(`expected one S3 server child, found ${pids.length}`);
      process.kill(pids[0]!, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 30_000));
      process.kill(pids[0]!, 'SIGCONT');
      return 'the S3 server stopped (SIGSTOP: connections hang, nothing answers) for 30 s, then resumed';
    },
  },
  'engine-failing': {
    name: 'engine failing: 500s, then a 429 storm',
    jobs: 8,
    fields: WITHOUT_MEMORY,
    faultDuringUploads: true,
    async fault(ctx) {
      await waitForHeldStep(ctx, 'translate');
      ctx.system.setEngineMode('error-500');
      await sleep(10_000);
      // Retrying steps may wait out a quiet spell: the storm lasts at least 10 s and until
      // as many requests as jobs were answered 429, at most 90 s.
      const before = ctx.system.engineRequests['storm-429'];
      const started = Date.now();
      ctx.system.setEngineMode('storm-429');
      while (
        Date.now() - started < 90_000 &&
        (Date.now() - started < 10_000 ||
          ctx.system.engineRequests['storm-429'] - before < ctx.jobs.length)
      )
        await sleep(250);
      ctx.system.setEngineMode('ok');
      return `from the first translate step claimed, every engine request answered 500 for 10 s, then 429 (Retry-After: 1) for ${Math.round((Date.now() - started) / 1000)} s`;
    },
  },
  'engine-timeouts': {
    name: 'engine requests hanging past the client timeout',
    jobs: 4,
    fields: WITHOUT_MEMORY,
    faultDuringUploads: true,
    async fault(ctx) {
      await waitForHeldStep(ctx, 'translate');
      const { engine } = ctx.system;
      const abandoned = engine.abandoned;
      const started = Date.now();
      ctx.system.setEngineMode('hang');
      // Until the client has given up on a held request (its timeout), at most 150 s.
      while (engine.abandoned === abandoned && Date.now() - started < 150_000) await sleep(250);
      ctx.system.setEngineMode('ok');
      const seconds = Math.round((Date.now() - started) / 1000);
      if (engine.abandoned === abandoned)
        throw new Error(`no held engine request was given up by the client within ${seconds} s`);
      return `from the first translate step claimed, every engine request was held ${ENGINE_HANG_MS / 1000} s without an answer until the client had given up on one (${seconds} s), then answered normally`;
    },
  },
  'burst-200': {
    name: '200 uploads at once',
    jobs: 200,
    accounts: 20,
    burst: true,
    timeoutMs: 1_800_000,
    fault() {
      return Promise.resolve('200 uploads sent at the same moment from 20 accounts');
    },
  },
};

/** One fault while jobs run; every job is then checked against the undisturbed run. */
export async function runScenario(
  system: ChaosSystem,
  reference: Reference,
  pdf: string,
  scenario: Scenario,
  log: (line: string) => void = () => undefined,
): Promise<ScenarioResult> {
  const timeoutMs = scenario.timeoutMs ?? 600_000;
  const started = Date.now();
  const bytes = await readFile(pdf);
  const name = pdf.split('/').pop()!;
  const apis: DocatApi[] = [];
  const credentials = new Map<DocatApi, { email: string; password: string; at: number }>();
  for (let i = 0; i < (scenario.accounts ?? 2); i++) {
    const api = new DocatApi(system.cluster.gateways);
    credentials.set(api, { ...(await api.registerFresh()), at: Date.now() });
    apis.push(api);
  }
  // A scenario can outlast an access token (15 minutes): log in again before it runs out.
  const refreshTokens = async () => {
    for (const [api, c] of credentials) {
      if (Date.now() - c.at < 10 * 60_000) continue;
      const res = await api.request<{ accessToken: string }>('POST', '/v1/auth/login', {
        json: { email: c.email, password: c.password },
        auth: false,
      });
      if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      api.token = res.body.accessToken;
      c.at = Date.now();
    }
  };
  const processes = () => [...system.cluster.processes, ...system.extra];
  const againBefore = await metricSum(processes(), 'docat_step_runs_total', { run: 'again' });
  const engineBefore = {
    ...system.engineRequests,
    hung: system.engine.hung,
    abandoned: system.engine.abandoned,
  };
  const jobs: JobView[] = [];
  const owner = new Map<string, DocatApi>();
  const refused: Record<string, number> = {};
  const send = async (i: number) => {
    const api = apis[i % apis.length]!;
    const res = await api.uploadBytes(bytes, name, { ...scenario.fields, noCache: 'true' });
    if (res.status === 202) {
      jobs.push(res.body);
      owner.set(res.body.id, api);
    } else {
      const code = `${res.status} ${res.body.code ?? ''}`.trim();
      refused[code] = (refused[code] ?? 0) + 1;
    }
  };
  const ctx: ScenarioContext = {
    system,
    jobs,
    apis,
    log,
    kills: [],
    async waitForStage(stage, waitMs = 120_000) {
      const deadline = Date.now() + waitMs;
      const seen = new Set<string>();
      while (Date.now() < deadline) {
        for (const job of jobs) {
          const res = await owner.get(job.id)!.job(job.id);
          seen.add(res.status === 200 ? `${res.body.state}/${res.body.stage}` : `${res.status}`);
          if (
            res.status === 200 &&
            (stage ? res.body.stage === stage : res.body.state === 'processing')
          )
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `no job reached ${stage ?? 'processing'} within ${waitMs} ms (seen: ${[...seen].join(', ')})`,
      );
    },
  };
  const early = scenario.faultDuringUploads ? scenario.fault(ctx) : undefined;
  // Its failure is taken up below, once the uploads are out.
  early?.catch(() => undefined);
  if (scenario.burst) await Promise.all(Array.from({ length: scenario.jobs }, (_, i) => send(i)));
  else for (let i = 0; i < scenario.jobs; i++) await send(i);
  const what = await (early ?? scenario.fault(ctx));
  log(`${scenario.name}: ${what}`);

  // Every accepted job must reach a final state; a 5xx while a dependency is down is retried.
  const final = new Map<string, JobView>();
  const deadline = started + timeoutMs;
  let pending = jobs.map((j) => j.id);
  let lost = 0;
  while (pending.length > 0 && Date.now() < deadline) {
    await refreshTokens();
    const next: string[] = [];
    for (const id of pending) {
      const res = await owner
        .get(id)!
        .job(id)
        .catch(() => null);
      if (res?.status === 200 && TERMINAL_STATES.has(res.body.state)) final.set(id, res.body);
      else if (res?.status === 404) lost += 1;
      else next.push(id);
    }
    pending = next;
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 500));
  }
  await refreshTokens();
  // Every accepted job is in its owner's history.
  for (const api of apis) {
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await api.list(
        `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (page.status !== 200) throw new Error(`history answered ${page.status}`);
      for (const item of page.body.items) ids.add(item.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    lost += jobs.filter((j) => owner.get(j.id) === api && !ids.has(j.id) && final.has(j.id)).length;
  }
  const failed: Record<string, number> = {};
  let completed = 0;
  let outputsDiffer = 0;
  const notes: string[] = [];
  // A killed worker's step must have been run again, once, by another worker.
  for (const kill of ctx.kills) {
    const runs = await rerunsOf(system, kill.step);
    kill.runsAgain = runs.length;
    // Other steps it held may have been done a moment before the kill: at most once again.
    const others = kill.held.filter(
      (h) => h.jobId !== kill.step.jobId || h.chunk !== kill.step.chunk,
    );
    const otherRuns: number[] = [];
    for (const other of others) otherRuns.push((await rerunsOf(system, other)).length);
    if (otherRuns.some((n) => n > 1)) kill.runsAgain = -1;
    notes.push(
      `${kill.replica} held ${kill.step.step} of job ${kill.step.jobId} chunk ${kill.step.chunk}; ingestion granted it again ${runs.length} time(s)${runs.length > 0 ? ` (run ${runs.join(', ')})` : ''}, once expected${others.length > 0 ? `; it also held ${others.length} other chunk step(s), granted again ${otherRuns.join(', ')} time(s)` : ''}`,
    );
  }
  const engineAfter = {
    ...system.engineRequests,
    hung: system.engine.hung,
    abandoned: system.engine.abandoned,
  };
  const engineDelta = (k: keyof typeof engineAfter) => engineAfter[k] - engineBefore[k];
  if (engineDelta('error-500') + engineDelta('storm-429') + engineDelta('hang') > 0)
    notes.push(
      `engine translation requests: ${engineDelta('ok')} answered, ${engineDelta('error-500')} answered 500, ${engineDelta('storm-429')} answered 429, ${engineDelta('hang')} held (${engineDelta('abandoned')} given up by the client at its timeout)`,
    );
  for (const job of final.values()) {
    if (job.state !== 'completed') {
      const code = job.error?.code ?? job.state;
      failed[code] = (failed[code] ?? 0) + 1;
      continue;
    }
    completed += 1;
    const got = await outputsOf(owner.get(job.id)!, job.id);
    const differs = CHAOS_FORMATS.filter((f) => got[f] !== reference.outputs[f]);
    if (differs.length > 0) {
      outputsDiffer += 1;
      if (notes.length < 5)
        notes.push(`job ${job.id}: ${differs.join(', ')} differ from the undisturbed run`);
    }
  }
  const completedIds = [...final.values()].filter((j) => j.state === 'completed').map((j) => j.id);
  await settledCharges(system.cluster.env.DATABASE_URL!, completedIds);
  // Failed jobs must have no work entries; a moment for any late one to show.
  await new Promise((r) => setTimeout(r, 2_000));
  const charged = await charges(system.cluster.env.DATABASE_URL!, [...final.keys()]);
  let chargedTwice = 0;
  let chargedWrong = 0;
  for (const job of final.values()) {
    const c = charged.get(job.id);
    if (c && c.entries !== c.distinct) chargedTwice += 1;
    if (job.state === 'completed' && (c?.credits ?? 0) !== reference.credits) {
      chargedWrong += 1;
      if (notes.length < 8)
        notes.push(
          `job ${job.id} charged ${c?.credits ?? 0} credits, the undisturbed run ${reference.credits}`,
        );
    }
    if (job.state !== 'completed' && (c?.credits ?? 0) > 0) {
      chargedWrong += 1;
      if (notes.length < 8) notes.push(`failed job ${job.id} charged ${c?.credits} credits`);
    }
  }
  const stepRunsAgain =
    (await metricSum(processes(), 'docat_step_runs_total', { run: 'again' })) - againBefore;
  const result: ScenarioResult = {
    name: scenario.name,
    what,
    submitted: jobs.length,
    refused,
    completed,
    failed,
    unfinished: pending.length,
    lost,
    chargedTwice,
    chargedWrong,
    outputsDiffer,
    stepRunsAgain,
    kills: ctx.kills,
    seconds: Math.round((Date.now() - started) / 1000),
    ok: false,
    notes,
  };
  result.ok =
    result.unfinished === 0 &&
    result.lost === 0 &&
    result.chargedTwice === 0 &&
    result.chargedWrong === 0 &&
    result.outputsDiffer === 0 &&
    result.kills.every((k) => k.runsAgain === 1) &&
    completed === jobs.length;
  return result;
}

export function chaosTable(results: readonly ScenarioResult[]): string {
  const lines = [
    '| fault | submitted | refused | completed | failed (code) | unfinished | lost | charged twice | charged wrong | outputs differ | steps run again | s | verdict |',
    '| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.submitted} | ${
          Object.entries(r.refused)
            .map(([c, n]) => `${c}: ${n}`)
            .join(', ') || '0'
        } | ${r.completed} | ${
          Object.entries(r.failed)
            .map(([c, n]) => `${c}: ${n}`)
            .join(', ') || '0'
        } | ${r.unfinished} | ${r.lost} | ${r.chargedTwice} | ${r.chargedWrong} | ${r.outputsDiffer} | ${r.stepRunsAgain} | ${r.seconds} | ${r.ok ? 'pass' : 'FAIL'} |`,
    ),
  ];
  return lines.join('\n');
}
