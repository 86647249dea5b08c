import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, freshRedisPrefix, repoRoot, requireTools, serviceEnv, spawnService, stopProcess, waitReady, type FreshRedisPrefix, type RunningProcess } from '@docat/testing';

/*
 * The shipped alert rules and Alertmanager route, delivered for real: Prometheus and
 * Alertmanager from Debian's packages, a gateway whose services are gone (every call to
 * them ends in 504 after the RPC deadline), and a webhook receiver in this test. The only
 * changes to the shipped files are the addresses, and the `for` and grouping waits cut to
 * seconds so the test does not wait the production windows out.
 */
const requirements = requireTools('prometheus', 'prometheus-alertmanager');

interface AlertmanagerPayload {
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

function startTool(file: string, args: string[], log: string[]): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer): void => {
    log.push(d.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function waitHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function stopTool(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('alerts are delivered: DocatHighErrorRate from a gateway answering 5xx reaches the webhook receiver', { skip: requirements.skip }, () => {
  let dir: string;
  let redis: FreshRedisPrefix;
  let gateway: RunningProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let alertmanager: ChildProcess | undefined;
  let receiver: Server;
  const received: AlertmanagerPayload[] = [];
  const toolLog: string[] = [];
  let stopLoad = false;
  const load: Promise<void>[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docat-alerts-'));
    redis = freshRedisPrefix();

    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/alerts') received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertmanagerPayload);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

    // The shipped route and receiver, pointed at this test's receiver.
    const am = parse(await readFile(join(repoRoot(), 'deploy', 'alertmanager', 'alertmanager.yml'), 'utf8')) as {
      route: { group_wait?: string; group_interval?: string; routes?: { group_wait?: string }[] };
      receivers: { name: string; webhook_configs?: { url: string }[] }[];
    };
    for (const r of am.receivers) for (const w of r.webhook_configs ?? []) w.url = receiverUrl;
    am.route.group_wait = '1s';
    am.route.group_interval = '1s';
    for (const r of am.route.routes ?? []) r.group_wait = '1s';
    await writeFile(join(dir, 'alertmanager.yml'), stringify(am));
    const amPort = await freePort();
    alertmanager = startTool(
      'prometheus-alertmanager',
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='],
      toolLog,
    );

    // A gateway alone: its RPCs to auth and translation find nobody and end in 504.
    const env = serviceEnv({ mode: 'cluster', dataDir: dir, logLevel: 'warn', redis, storage: 'fs' });
    gateway = await spawnService('gateway', 1, env, dir);
    await waitReady(gateway, 90_000);

    // The shipped rules with every `for` window cut to zero.
    const rules = parse(await readFile(join(repoRoot(), 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: { for?: string }[] }[] };
    for (const g of rules.groups) for (const r of g.rules) if (r.for) r.for = '0s';
    await writeFile(join(dir, 'alerts.yml'), stringify(rules));
    await writeFile(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'alerts.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'docat-gateway', static_configs: [{ targets: [`127.0.0.1:${gateway.managementPort}`] }] }],
      }),
    );
    const promPort = await freePort();
    prometheus = startTool(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      toolLog,
    );
    await Promise.all([waitHttp(`http://127.0.0.1:${amPort}/-/ready`, 30_000), waitHttp(`http://127.0.0.1:${promPort}/-/ready`, 30_000)]);

    // Steady traffic: a few requests a second, each answered 504 after the RPC deadline,
    // plus answered 401s, so the 5xx share is high but not the only answer.
    const base = `http://127.0.0.1:${gateway.httpPort}`;
    for (let i = 0; i < 6; i++) {
      load.push(
        (async () => {
          await new Promise((r) => setTimeout(r, i * 1_500));
          while (!stopLoad) {
            await fetch(`${base}/v1/engines`).then((r) => r.arrayBuffer()).catch(() => undefined);
            await fetch(`${base}/v1/jobs`).then((r) => r.arrayBuffer()).catch(() => undefined);
          }
        })(),
      );
    }
  });

  after(async () => {
    stopLoad = true;
    await stopTool(prometheus);
    await stopTool(alertmanager);
    if (gateway) await stopProcess(gateway);
    await Promise.all(load);
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    await redis?.cleanup().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the receiver gets DocatHighErrorRate firing for docat-gateway, with its summary', async () => {
    const deadline = Date.now() + 120_000;
    const firing = (): AlertmanagerPayload['alerts'][number] | undefined =>
      received.flatMap((p) => p.alerts).find((a) => a.status === 'firing' && a.labels['alertname'] === 'DocatHighErrorRate');
    while (!firing() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const alert = firing();
    assert.ok(alert, `no DocatHighErrorRate delivered; received ${JSON.stringify(received)}; tools said:\n${toolLog.join('').slice(-3000)}`);
    assert.equal(alert.labels['job'], 'docat-gateway');
    assert.equal(alert.labels['severity'], 'critical');
    assert.equal(alert.annotations['summary'], 'docat-gateway answers more than 10% of requests with 5xx');
    // Nothing else is wrong with this gateway: it is up, so DocatServiceDown stays quiet.
    assert.equal(
      received.flatMap((p) => p.alerts).some((a) => a.labels['alertname'] === 'DocatServiceDown'),
      false,
    );
  });
});
