import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { TERMINAL_STATES, type JobView } from '@docat/contracts';
import { startCluster, type Cluster, type ClusterApp, type ProcessInfo } from '@docat/testing';
import {
  FakeLibreTranslateServer,
  type FakeFault,
  type FakeServerOptions,
} from '@docat/translate/testing';
import { DocatApi } from '../src/docat-api.js';
import { ChaosPostgres, ChaosRedis, childPidsMatching } from './chaos-infra.js';

/** Outputs compared with the undisturbed run, byte for byte. */
export const CHAOS_FORMATS = ['md', 'txt', 'json'] as const;

/** What the fake engine does with the next requests; switched by the engine scenario. */
export type EngineMode = 'ok' | 'error-500' | 'storm-429' | 'hang';

/** Everything a run starts of its own: Redis, PostgreSQL, the fake engine, and the cluster on them. */
export interface ChaosSystem {
  cluster: Cluster;
  redis: ChaosRedis;
  postgres: ChaosPostgres;
  engine: FakeLibreTranslateServer;
  /** Mutable: the fake reads it on every request. */
  engineOptions: { latencyMs: number };
  setEngineMode(mode: EngineMode): void;
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
  // The fake keeps this object and reads it on every request, so changing it changes the engine.
  const engineOptions: FakeServerOptions & { latencyMs: number } = {
    latencyMs: 0,
    faults: (): FakeFault | undefined => {
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
      mode = next === 'hang' ? 'ok' : next;
      engineOptions.latencyMs = next === 'hang' ? 65_000 : 0;
    },
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
  seconds: number;
  ok: boolean;
  notes: string[];
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
  jobs: JobView[];
  apis: DocatApi[];
  log: (line: string) => void;
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
  /** How long the scenario's jobs may take to end, from the first upload (default 600 s). */
  timeoutMs?: number;
  fault(ctx: ScenarioContext): Promise<string>;
}

/** Kills a live replica of `app` with SIGKILL and starts a replacement. */
export async function killReplica(ctx: ScenarioContext, app: ClusterApp): Promise<string> {
  const victims = [...ctx.system.cluster.processes, ...ctx.system.extra].filter(
    (p) => p.app === app && alive(p.pid),
  );
  // The extraction service logs each chunk it starts: prefer a replica working on one of these jobs.
  const ids = ctx.jobs.map((j) => j.id);
  const busy: ProcessInfo[] = [];
  for (const p of victims) {
    const text = await readFile(p.logFile, 'utf8').catch(() => '');
    if (ids.some((id) => text.includes(`started job=${id}`))) busy.push(p);
  }
  const victim = busy[busy.length - 1] ?? victims[victims.length - 1];
  if (!victim) throw new Error(`no live ${app} replica`);
  process.kill(victim.pid, 'SIGKILL');
  const replacement = await ctx.system.cluster.addReplica(app);
  ctx.system.extra.push(replacement);
  return `kill -9 of ${app}-${victim.replica} (pid ${victim.pid}${busy.includes(victim) ? ', its log showing a chunk of these jobs started' : ''}) while a job was at that stage; a replacement started`;
}

export const SCENARIOS: Record<string, Scenario> = {
  'kill-extraction': {
    name: 'kill -9 of an extraction worker mid-job',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage('extract');
      return killReplica(ctx, 'extraction');
    },
  },
  'kill-translation': {
    name: 'kill -9 of a translation worker mid-job',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage('translate');
      return killReplica(ctx, 'translation');
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
    name: 'engine failing: 500s, a 429 storm, then requests that time out',
    jobs: 8,
    async fault(ctx) {
      await ctx.waitForStage();
      ctx.system.setEngineMode('error-500');
      await new Promise((r) => setTimeout(r, 10_000));
      ctx.system.setEngineMode('storm-429');
      await new Promise((r) => setTimeout(r, 10_000));
      ctx.system.setEngineMode('hang');
      await new Promise((r) => setTimeout(r, 3_000));
      ctx.system.setEngineMode('ok');
      return 'every engine request answered 500 for 10 s, then 429 (Retry-After: 1) for 10 s, then answered only after 65 s (past the 60 s client timeout) for 3 s';
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
  const jobs: JobView[] = [];
  const owner = new Map<string, DocatApi>();
  const refused: Record<string, number> = {};
  const send = async (i: number) => {
    const api = apis[i % apis.length]!;
    const res = await api.uploadBytes(bytes, name, { noCache: 'true' });
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
  if (scenario.burst) await Promise.all(Array.from({ length: scenario.jobs }, (_, i) => send(i)));
  else for (let i = 0; i < scenario.jobs; i++) await send(i);
  const what = await scenario.fault(ctx);
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
