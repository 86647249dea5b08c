import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  corpusFile,
  requireCorpus,
  spawnService,
  startCluster,
  stopProcess,
  waitReady,
  type Cluster,
  type RunningProcess,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

/*
 * Two cluster-level checks of issue 12 on one cluster of their own (it exports spans to a
 * receiver inside this test, and its extraction replicas are this file's children, so the
 * shutdown test sees their exit codes): one job is one trace across the six services, and a
 * replica stopped mid-job drains and exits 0 while the job completes on the other.
 */
const corpus = requireCorpus('tracemonkey.pdf');

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

/** OTLP/JSON carries ids as hex; a protobuf-style JSON encoder would send base64. */
function hexId(value: unknown, bytes: number): string {
  if (typeof value !== 'string' || value === '') return '';
  if (value.length === bytes * 2 && /^[0-9a-f]+$/i.test(value)) return value.toLowerCase();
  return Buffer.from(value, 'base64').toString('hex');
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
      }[];
    }[];
  }[];
}

/** A small OTLP/HTTP trace receiver (JSON encoding, as the services' exporter sends it). */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly contentTypes = new Set<string>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.contentTypes.add(String(req.headers['content-type']));
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        try {
          this.accept(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private accept(body: OtlpExport): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service =
        resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value
          .stringValue ?? '?';
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: hexId(span.traceId, 16),
            spanId: hexId(span.spanId, 8),
            parentSpanId: hexId(span.parentSpanId, 8),
            name: span.name,
            kind: span.kind,
          });
        }
      }
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Receives the job's webhooks and keeps their headers. */
class WebhookReceiver {
  readonly received: { headers: IncomingHttpHeaders; body: string }[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const SERVICES = [
  'docat-gateway',
  'docat-auth',
  'docat-ingestion',
  'docat-extraction',
  'docat-translation',
  'docat-notification',
];

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The kit's default drain period plus the hard-stop margin after it. */
const SHUTDOWN_DEADLINE_MS = 10_000 + 5_000;

async function logLines(proc: RunningProcess, needle: string): Promise<string[]> {
  const text = await readFile(proc.logFile, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes(needle));
}

async function waitForLine(
  procs: readonly RunningProcess[],
  needle: string,
  timeoutMs: number,
): Promise<RunningProcess> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const proc of procs) if ((await logLines(proc, needle)).length > 0) return proc;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no log line with '${needle}' within ${timeoutMs} ms`);
}

const otlp = new OtlpReceiver();
const hooks = new WebhookReceiver();
let cluster: Cluster | undefined;
const workers: RunningProcess[] = [];

before(async () => {
  if (corpus.skip) return;
  const endpoint = await otlp.start();
  await hooks.start();
  cluster = await startCluster({
    replicas: { gateway: 1, extraction: 0 },
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${hooks.port}`,
    },
  });
  for (const replica of [1, 2])
    workers.push(await spawnService('extraction', replica, cluster.env, cluster.logDir));
  await Promise.all(workers.map((proc) => waitReady(proc, 60_000)));
});
after(async () => {
  for (const proc of workers) await stopProcess(proc, 5_000).catch(() => undefined);
  await cluster?.stop();
  await hooks.stop();
  await otlp.stop();
});

describe(
  'tracing: one job is one trace across the six services (OTLP export)',
  { skip: corpus.skip },
  () => {
    test('upload to webhook: every service adds spans to the caller’s trace, and every parent is in it', async () => {
      const api = new DocatApi(cluster!.gateways);
      await api.registerFresh();
      // The client's own trace context: the gateway continues it, so the test knows the trace id.
      const traceId = randomBytes(16).toString('hex');
      const clientSpanId = randomBytes(8).toString('hex');
      const upload = await api.uploadFile(
        corpusFile('tracemonkey.pdf'),
        { webhookUrl: `http://127.0.0.1:${hooks.port}/job` },
        { traceparent: `00-${traceId}-${clientSpanId}-01` },
      );
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const job = await api.waitFinished(upload.body.id, 120_000);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));

      // The webhook leaves with the job's trace context.
      const completed = await until('the job.completed webhook', 30_000, () =>
        hooks.received.find((hook) => hook.body.includes('"completed"')),
      );
      const outgoing = String(completed.headers['traceparent'] ?? '');
      assert.match(
        outgoing,
        /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/,
        'the webhook carries a traceparent header',
      );
      assert.equal(outgoing.split('-')[1], traceId, 'the webhook continues the upload’s trace');

      // Batches arrive within a few hundred milliseconds of a span ending.
      const spans = await until('spans from all six services in the trace', 30_000, () => {
        const inTrace = otlp.spans.filter((span) => span.traceId === traceId);
        const services = new Set(inTrace.map((span) => span.service));
        const webhookSpan = inTrace.some((span) => span.spanId === outgoing.split('-')[2]);
        return SERVICES.every((service) => services.has(service)) && webhookSpan
          ? inTrace
          : undefined;
      }).catch((err: unknown) => {
        const inTrace = otlp.spans.filter((span) => span.traceId === traceId);
        throw new Error(
          `${String(err)}; services seen: ${[...new Set(inTrace.map((s) => s.service))].join(', ')}; content types: ${[...otlp.contentTypes].join(', ')}`,
        );
      });
      // Let the last batches (spans ending after the webhook) land before judging parent links.
      await new Promise((r) => setTimeout(r, 1_000));
      const trace = otlp.spans.filter((span) => span.traceId === traceId);
      assert.ok(spans.length > 0);

      const ids = new Set(trace.map((span) => span.spanId));
      assert.equal(ids.size, trace.length, 'span ids are unique');
      const orphans = trace.filter(
        (span) => span.parentSpanId !== '' && !ids.has(span.parentSpanId),
      );
      assert.deepEqual(
        orphans.map((span) => `${span.service} ${span.name} -> ${span.parentSpanId}`),
        trace
          .filter((span) => span.parentSpanId === clientSpanId)
          .map((span) => `${span.service} ${span.name} -> ${span.parentSpanId}`),
        'the only span whose parent is outside the trace is the gateway’s, and its parent is the client’s span',
      );
      const roots = trace.filter((span) => span.parentSpanId === clientSpanId);
      assert.equal(roots.length, 1, 'one root');
      assert.equal(roots[0]!.service, 'docat-gateway');
      assert.equal(roots[0]!.name, 'POST /v1/documents');
      assert.equal(
        trace.filter((span) => span.parentSpanId === '').length,
        0,
        'no span starts a trace of its own inside it',
      );

      // The hops the trace must show: RPC into ingestion, queue steps in the workers, the webhook out.
      const names = new Set(trace.map((span) => `${span.service} ${span.name}`));
      for (const expected of [
        'docat-ingestion handle jobs.create',
        'docat-extraction process extract',
        'docat-translation process translate',
        'docat-extraction process render',
        'docat-notification process notify',
        'docat-notification POST webhook',
      ]) {
        assert.ok(names.has(expected), `${expected} in ${[...names].sort().join(', ')}`);
      }
      console.log(
        `trace ${traceId}: ${trace.length} spans from ${new Set(trace.map((s) => s.service)).size} services`,
      );
    });
  },
);

describe(
  'graceful shutdown: SIGTERM to the extraction replica running a job, mid-job',
  { skip: corpus.skip },
  () => {
    test('the stopped replica drains and exits 0 within its deadline; the job completes on the other, not failed', async () => {
      const api = new DocatApi(cluster!.gateways);
      await api.registerFresh();
      const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'));
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const jobId = upload.body.id;

      // Chunk 0 reports the page count; stop whichever replica takes chunk 1, while it runs.
      const victim = await waitForLine(workers, `extract started job=${jobId} chunk=1 `, 60_000);
      const survivor = workers.find((proc) => proc !== victim)!;
      const stoppedAt = Date.now();
      victim.child.kill('SIGTERM');
      const code = await Promise.race([
        victim.exited,
        new Promise<'late'>((r) => setTimeout(() => r('late'), SHUTDOWN_DEADLINE_MS + 2_000)),
      ]);
      const tookMs = Date.now() - stoppedAt;
      assert.equal(code, 0, `the stopped replica exits 0 (got ${code} after ${tookMs} ms)`);
      assert.ok(tookMs < SHUTDOWN_DEADLINE_MS, `it stopped within its deadline (${tookMs} ms)`);
      assert.equal((await logLines(victim, 'stopping (SIGTERM)')).length, 1, 'it logged the drain');
      assert.deepEqual(await logLines(victim, 'shutdown exceeded'), [], 'no step overran');
      assert.deepEqual(await logLines(victim, 'shutdown failed'), [], 'no step failed');

      const job = await api.waitFinished(jobId, 120_000);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));
      assert.equal(job.pages, 14);
      // Everything after the stop ran on the replica left: the render of the outputs at least.
      assert.ok(
        (await logLines(survivor, `render done job=${jobId} `)).length > 0,
        'the other replica rendered the job',
      );
      assert.deepEqual(
        await logLines(victim, `render done job=${jobId} `),
        [],
        'the stopped replica took no work after SIGTERM',
      );
      // Every chunk was extracted (by one replica or, if handed back, by the other).
      for (const chunk of [0, 1, 2, 3]) {
        const done = [
          ...(await logLines(victim, `extract done job=${jobId} chunk=${chunk} `)),
          ...(await logLines(survivor, `extract done job=${jobId} chunk=${chunk} `)),
        ];
        assert.ok(done.length >= 1, `chunk ${chunk} was extracted`);
      }
      console.log(
        `SIGTERM mid-job: replica exited 0 after ${tookMs} ms; job completed on the other replica`,
      );
    });
  },
);
