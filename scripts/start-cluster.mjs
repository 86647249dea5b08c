#!/usr/bin/env node
// `npm run start:cluster`: cluster mode on one machine. Runs the migrations, then the six
// apps as separate processes (DOCAT_MODE=cluster) against REDIS_URL and DATABASE_URL,
// each output line prefixed with its process's name. Without S3 settings the processes
// share filesystem storage under DOCAT_DATA_DIR (default ./data-cluster, apart from the
// standalone ./data). SIGINT or SIGTERM stops the gateway first, then the rest; the
// script exits when every process has stopped.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLUSTER_APPS, runMigrations, spawnService, stopProcess, waitReady } from '@docat/testing';

const BACK_END = CLUSTER_APPS.filter((app) => app !== 'gateway');
const STOP_ORDER = ['gateway', 'extraction', 'translation', 'ingestion', 'notification', 'auth'];
const WIDTH = Math.max(...CLUSTER_APPS.map((app) => app.length)) + 1;

const say = (line) => process.stdout.write(`${'cluster'.padEnd(WIDTH)}| ${line}\n`);
const prefixed = (name) => (line) => process.stdout.write(`${name.padEnd(WIDTH)}| ${line}\n`);

for (const name of ['DATABASE_URL', 'REDIS_URL']) {
  if (!process.env[name]) {
    process.stderr.write(
      `start:cluster needs ${name} (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/docat REDIS_URL=redis://127.0.0.1:6379 npm run start:cluster)\n`,
    );
    process.exit(2);
  }
}

const env = { ...process.env, DOCAT_MODE: 'cluster' };
env.DOCAT_DATA_DIR = resolve(env.DOCAT_DATA_DIR || 'data-cluster');
mkdirSync(env.DOCAT_DATA_DIR, { recursive: true });
if (!env.STORAGE_DRIVER && !env.S3_BUCKET) {
  env.STORAGE_DRIVER = 'fs';
  say(
    `no S3 configured: filesystem storage in ${join(env.DOCAT_DATA_DIR, 'objects')}, shared by the processes of this machine`,
  );
}
if (!env.DOCAT_ENCRYPTION_KEY) {
  // Kept beside the data so that a restart can still read the signing keys it encrypted.
  const keyFile = join(env.DOCAT_DATA_DIR, 'cluster-encryption.key');
  if (!existsSync(keyFile))
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  env.DOCAT_ENCRYPTION_KEY = readFileSync(keyFile, 'utf8').trim();
}
if (!env.CREDITS_REQUIRE_VERIFIED_EMAIL && env.NODE_ENV !== 'production' && !env.MAIL_SMTP_URL) {
  // No mail server on one machine: accounts get their plan's credits without clicking a link.
  env.CREDITS_REQUIRE_VERIFIED_EMAIL = 'false';
  say(
    'no MAIL_SMTP_URL: new accounts get credits without email verification (CREDITS_REQUIRE_VERIFIED_EMAIL=false)',
  );
}
const port = Number(env.PORT || 8080);
const managementPort = Number(env.MANAGEMENT_PORT || 9464);

const running = [];
let stopping;
const stopAll = (reason) =>
  (stopping ??= (async () => {
    say(`stopping (${reason})`);
    for (const app of STOP_ORDER) {
      await Promise.all(
        running
          .filter((p) => p.app === app)
          .map(async (p) => {
            const outcome = await stopProcess(p, 20_000);
            if (outcome === 'killed' || outcome === 'failed')
              say(`${p.app} did not stop cleanly (${outcome})`);
          }),
      );
    }
  })());

let exitCode = 0;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopAll(signal));

const started = performance.now();
try {
  await runMigrations(env, env.DOCAT_DATA_DIR, { onLine: prefixed('migrate') });
  for (const app of BACK_END) {
    if (stopping) break;
    running.push(await spawnService(app, 1, env, env.DOCAT_DATA_DIR, { onLine: prefixed(app) }));
  }
  // A process that dies on its own takes the others down with it: half a cluster serves nobody.
  const watch = (proc) =>
    void proc.exited.then((code) => {
      if (stopping) return;
      say(`${proc.app} exited with ${code}`);
      exitCode = 1;
      void stopAll(`${proc.app} exited`);
    });
  running.forEach(watch);
  await Promise.all(running.map((p) => waitReady(p, 120_000)));
  if (stopping) throw new Error('stopped while starting');
  const gateway = await spawnService('gateway', 1, env, env.DOCAT_DATA_DIR, {
    onLine: prefixed('gateway'),
    port,
    managementPort,
  });
  running.push(gateway);
  watch(gateway);
  await waitReady(gateway, 120_000);
  say(
    `ready on http://127.0.0.1:${port} (management on ${managementPort}) in ${Math.round(performance.now() - started)} ms`,
  );
} catch (err) {
  if (!stopping) {
    say(`start failed: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
    await stopAll('start failed');
  }
}
await Promise.all(running.map((p) => p.exited));
await stopping;
process.exit(exitCode);
