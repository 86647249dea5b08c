import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TERMINAL_STATES, type JobView, type TokenPair } from '@docat/contracts';
import { corpusFile, repoRoot, requireCorpus } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import {
  embeddedDatabaseUrl,
  freePort,
  freshEmail,
  postgresPid,
  spawnStandalone,
  stopStandalone,
  waitReady,
  type StandaloneProcess,
} from './standalone-process.fixture.js';

const SAMPLE_TITLE = 'Translating Documents Without Losing Their Shape';
const tracemonkey = requireCorpus('tracemonkey.pdf');

async function api<T>(
  base: string,
  method: string,
  path: string,
  init: { token?: string; json?: unknown; form?: FormData } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | FormData | undefined = init.form;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(base + path, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    body: (type.includes('json') ? await res.json() : await res.text()) as T,
  };
}

async function registerAndLogin(base: string): Promise<string> {
  const email = freshEmail();
  const password = 'standalone-password-1';
  const reg = await api(base, 'POST', '/v1/auth/register', { json: { email, password } });
  assert.ok(reg.status === 202, `register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
  const login = await api<TokenPair>(base, 'POST', '/v1/auth/login', { json: { email, password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.accessToken;
}

async function upload(base: string, token: string, path: string, name: string): Promise<JobView> {
  const form = new FormData();
  form.append('targetLanguage', 'de');
  form.append('outputs', 'md,txt');
  form.append('file', new Blob([await readFile(path)], { type: 'application/pdf' }), name);
  const res = await api<JobView>(base, 'POST', '/v1/documents', { token, form });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body;
}

/** The ids and types of a finished job's SSE stream after `lastEventId`; the stream ends by itself. */
async function eventStream(
  base: string,
  token: string,
  id: string,
  lastEventId?: number,
): Promise<{ seq: number; type: string }[]> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const res = await fetch(`${base}/v1/jobs/${id}/events`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const events: { seq: number; type: string }[] = [];
  for (const block of (await res.text()).split('\n\n')) {
    const id = /^id: (\d+)$/m.exec(block);
    const type = /^event: (\w+)$/m.exec(block);
    if (id && type) events.push({ seq: Number(id[1]), type: type[1]! });
  }
  return events;
}

async function waitFinished(
  base: string,
  token: string,
  id: string,
  timeoutMs = 120_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let last: JobView | undefined;
  while (Date.now() < deadline) {
    const res = await api<JobView>(base, 'GET', `/v1/jobs/${id}`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    last = res.body;
    if (TERMINAL_STATES.has(last.state)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`job ${id} not finished after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** The data folder's mode, and the modes of every folder and file of its object storage. */
async function folderModes(
  dataDir: string,
): Promise<{ root: number; dirs: [string, number][]; files: [string, number][] }> {
  const dirs: [string, number][] = [];
  const files: [string, number][] = [];
  const walk = async (dir: string): Promise<void> => {
    dirs.push([dir, (await stat(dir)).mode & 0o777]);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push([path, (await stat(path)).mode & 0o777]);
    }
  };
  await walk(join(dataDir, 'objects'));
  return { root: (await stat(dataDir)).mode & 0o777, dirs, files };
}

describe('standalone mode: the whole platform in one process on one data folder', () => {
  let root: string;
  let dataDir: string;
  let port: number;
  let managementPort: number;
  let current: StandaloneProcess | undefined;
  const started: StandaloneProcess[] = [];
  let token: string;
  let sampleJobId: string;
  let sampleEvents: { seq: number; type: string }[];

  // A step the killed process had claimed is re-issued when its lease lapses without a
  // heartbeat (30 s, the default, stated here because the suite's length depends on it).
  const LEASE_ENV = { DOCAT_CHUNK_LEASE_MS: '30000' };
  const start = (env: Record<string, string> = {}): StandaloneProcess => {
    const proc = spawnStandalone(dataDir, port, {
      ...LEASE_ENV,
      MANAGEMENT_PORT: String(managementPort),
      ...env,
    });
    started.push(proc);
    return proc;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'docat-standalone-'));
    // When the suite runs as root, the embedded PostgreSQL runs as `postgres` and must reach the folder.
    await chmod(root, 0o755);
    dataDir = join(root, 'data');
    port = await freePort();
    // A port of its own: the one after PORT may be any other process's (an outgoing connection's, even).
    managementPort = await freePort();
  });

  after(async () => {
    for (const proc of started) {
      if (proc.child.exitCode === null && proc.child.signalCode === null)
        proc.child.kill('SIGKILL');
      await proc.exited;
    }
    // A process killed with SIGKILL leaves its PostgreSQL running: stop it before removing the folder.
    const orphan = await postgresPid(dataDir);
    if (orphan !== null) {
      process.kill(orphan, 'SIGINT');
      for (let i = 0; i < 100 && (await postgresPid(dataDir)) !== null; i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await rm(root, { recursive: true, force: true });
  });

  test('first start on an empty folder becomes ready; the sample goes through to a translated Markdown', async () => {
    current = start();
    const ms = await waitReady(current);
    console.log(`standalone time to healthy, first start (empty data folder): ${ms} ms`);
    const health = await api<{ status: string }>(current.base, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    const lock = (await readFile(join(dataDir, 'docat.lock'), 'utf8')).trim();
    assert.equal(lock, String(current.child.pid), 'the lock file holds the PID of the process');
    // The start-up lines a person reads: the web app, the data folder, the engine and why.
    for (let i = 0; i < 50 && !current.output().includes('translation engine: '); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const said = current.output();
    assert.match(said, /^docat standalone ready on http:\/\/127\.0\.0\.1:\d+ in \d+ ms$/mu);
    assert.ok(
      said.includes(`  web app: ${current.base}/   API reference: ${current.base}/docs\n`),
      said,
    );
    assert.ok(said.includes(`  data folder: ${dataDir}\n`), said);
    if (!process.env.MAIL_SMTP_URL)
      assert.ok(
        said.includes(
          `  account mails (sign-up and password links): ${join(dataDir, 'mail', 'outbox.jsonl')}, as MAIL_SMTP_URL is not set\n`,
        ),
        said,
      );
    assert.match(said, /^ {2}translation engine: \S+.*(because no engine key is set|chosen by)/mu);

    token = await registerAndLogin(current.base);
    const job = await upload(
      current.base,
      token,
      join(repoRoot(), 'examples', 'sample.pdf'),
      'sample.pdf',
    );
    const done = await waitFinished(current.base, token, job.id);
    assert.equal(done.state, 'completed', JSON.stringify(done.error));
    const md = await api<string>(current.base, 'GET', `/v1/jobs/${job.id}/result?format=md`, {
      token,
    });
    assert.equal(md.status, 200);
    assert.ok(
      md.body.includes(pseudoTranslate(SAMPLE_TITLE, 'de')),
      `md lacks the translated title:\n${md.body.slice(0, 400)}`,
    );
    assert.ok(!md.body.includes(SAMPLE_TITLE), 'the Markdown is the translation, not the original');

    // Files at rest are the service user's only; the verification mail went to a private file, not the log.
    const modes = await folderModes(dataDir);
    assert.equal(modes.root & 0o076, 0, `data folder mode ${modes.root.toString(8)}`);
    assert.ok(modes.files.length >= 2, 'the upload and its results are on disk');
    assert.deepEqual(
      modes.files.filter(([, mode]) => mode !== 0o600),
      [],
      'object files are 0600',
    );
    assert.deepEqual(
      modes.dirs.filter(([, mode]) => mode !== 0o700),
      [],
      'object folders are 0700',
    );
    const outbox = join(dataDir, 'mail', 'outbox.jsonl');
    assert.equal((await stat(outbox)).mode & 0o777, 0o600);
    const link = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(await readFile(outbox, 'utf8'))?.[1];
    assert.ok(link, 'the verification link is in the outbox');
    assert.ok(!current.output().includes(link), 'and not in the log');
    assert.match(current.output(), /mail\/outbox\.jsonl/);

    // MANAGEMENT_PORT is set: /metrics is served there, and not on the public port.
    assert.equal((await fetch(`${current.base}/metrics`)).status, 404);
    const metrics = await fetch(`http://127.0.0.1:${managementPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /docat_/);

    sampleJobId = job.id;
    sampleEvents = await eventStream(current.base, token, job.id);
    assert.ok(sampleEvents.length >= 3, JSON.stringify(sampleEvents));
    assert.equal(sampleEvents.at(-1)?.type, 'completed');
    assert.deepEqual(
      sampleEvents.map((e) => e.seq),
      [...sampleEvents.map((e) => e.seq)].sort((a, b) => a - b),
    );
  });

  test('a second process on the same data folder is refused with a clear message and exit code 1', async () => {
    const second = spawnStandalone(dataDir, await freePort());
    started.push(second);
    const code = await second.exited;
    assert.equal(code, 1, second.output());
    assert.match(second.output(), /in use by another Docat process \(pid \d+\)/);
    const still = await api(current!.base, 'GET', '/readyz');
    assert.equal(still.status, 200, 'the first process is untouched');
  });

  test('SIGTERM drains and stops PostgreSQL and the lock; the next start is ready and keeps users and jobs', async () => {
    const code = await stopStandalone(current!);
    assert.equal(code, 0, current!.output().slice(-2000));
    assert.equal(
      await postgresPid(dataDir),
      null,
      'the embedded PostgreSQL stopped with the process',
    );
    await assert.rejects(readFile(join(dataDir, 'docat.lock')), { code: 'ENOENT' });

    // This time without a management port but with a metrics token: /metrics on the public port, for the token only.
    const metricsToken = 'metrics-token-0123456789abcdef';
    current = start({ MANAGEMENT_PORT: '', METRICS_TOKEN: metricsToken });
    const ms = await waitReady(current);
    console.log(`standalone time to healthy, second start: ${ms} ms`);
    assert.equal((await fetch(`${current.base}/metrics`)).status, 401);
    assert.equal(
      (
        await fetch(`${current.base}/metrics`, {
          headers: { authorization: 'Bearer wrong-token-0123456789abcdef' },
        })
      ).status,
      401,
    );
    const scraped = await fetch(`${current.base}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /docat_/);
    const me = await api<{ email: string }>(current.base, 'GET', '/v1/jobs?limit=1', { token });
    assert.equal(
      me.status,
      200,
      `a token issued before the restart is still valid: ${JSON.stringify(me.body)}`,
    );

    // Job events live in the embedded database: a client resumes after the restart exactly where it left off.
    const middle = Math.floor(sampleEvents.length / 2);
    const resumed = await eventStream(
      current.base,
      token,
      sampleJobId,
      sampleEvents[middle - 1]!.seq,
    );
    assert.deepEqual(resumed, sampleEvents.slice(middle));
  });

  test(
    'kill -9 mid-job: the next start takes over PostgreSQL and the lock, the job completes, old tokens still work',
    { skip: tracemonkey.skip, timeout: 240_000 },
    async () => {
      const job = await upload(
        current!.base,
        token,
        corpusFile('tracemonkey.pdf'),
        'tracemonkey.pdf',
      );
      // Kill while the job is being worked on, not before it was picked up nor after it finished.
      const deadline = Date.now() + 60_000;
      let state = job.state;
      while (Date.now() < deadline) {
        const res = await api<JobView>(current!.base, 'GET', `/v1/jobs/${job.id}`, { token });
        state = res.body.state;
        if (state !== 'queued') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(
        !TERMINAL_STATES.has(state),
        `the job finished before it could be interrupted (${state})`,
      );
      const killed = current!;
      killed.child.kill('SIGKILL');
      await killed.exited;
      assert.notEqual(
        await postgresPid(dataDir),
        null,
        'the PostgreSQL child outlives a SIGKILL of its parent',
      );
      assert.ok(
        (await readFile(join(dataDir, 'docat.lock'), 'utf8')).includes(String(killed.child.pid)),
        'the dead process left its lock',
      );

      current = start();
      const ms = await waitReady(current);
      console.log(
        `standalone time to healthy after kill -9 (orphaned PostgreSQL stopped, lock taken over): ${ms} ms`,
      );
      assert.match(current.output(), /stopped PostgreSQL \(pid \d+\) left running/);
      assert.match(current.output(), /took over the data-folder lock/);

      const resumeStarted = Date.now();
      const done = await waitFinished(current.base, token, job.id, 180_000);
      console.log(`job finished ${Date.now() - resumeStarted} ms after the restart was ready`);
      const recovered = /put back (\d+) queue job/.exec(current.output());
      console.log(`queue jobs put back at boot: ${recovered?.[1] ?? 0}`);
      assert.equal(done.state, 'completed', JSON.stringify(done.error));
      assert.equal(done.pages, 14);
      const md = await api<string>(current.base, 'GET', `/v1/jobs/${job.id}/result?format=md`, {
        token,
      });
      assert.equal(md.status, 200);
      assert.ok(
        md.body.length > 10_000,
        `the resumed job's Markdown is whole (${md.body.length} chars)`,
      );
    },
  );

  test('a data folder migrated by a newer version is refused with a clear message', async () => {
    const client = new pg.Client({ connectionString: await embeddedDatabaseUrl(dataDir) });
    await client.connect();
    try {
      await client.query('INSERT INTO auth.docat_migrations ("timestamp", name) VALUES ($1, $2)', [
        9_999_999_999_999,
        'FromTheFuture9999999999999',
      ]);
    } finally {
      await client.end();
    }
    assert.equal(await stopStandalone(current!), 0);
    const newer = start();
    const code = await newer.exited;
    assert.equal(code, 1, newer.output().slice(-2000));
    assert.match(
      newer.output(),
      /migrated by a newer version of Docat .*FromTheFuture9999999999999/,
    );
    assert.equal(await postgresPid(dataDir), null, 'a refused start stops its PostgreSQL');
    await assert.rejects(readFile(join(dataDir, 'docat.lock')), { code: 'ENOENT' });
  });
});
