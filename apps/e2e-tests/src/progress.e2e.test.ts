import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  jobEventSchema,
  webhookPayloadSchema,
  type JobEvent,
  type WorkStage,
} from '@docat/contracts';
import { corpusFile, requireCorpus, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('tracemonkey.pdf');

/** The receiver's check, as docs/webhooks.md ("Verifying a delivery") gives it. */
function verifyDocatWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
): boolean {
  const timestamp = headers['docat-timestamp'];
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(
    'v1=' + createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'),
  );
  const header = headers['docat-signature'];
  return (typeof header === 'string' ? header : '')
    .split(',')
    .map((value) => Buffer.from(value.trim()))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

interface SseStream {
  status: number;
  events: JobEvent[];
  ended: Promise<void>;
  /** Resolves once an event matching `until` arrived (or the stream ended). */
  until(match: (event: JobEvent) => boolean, ms: number): Promise<void>;
  close(): void;
}

/** An EventSource-like reader of `GET /v1/jobs/:id/events` over node:http. */
function follow(
  base: string,
  jobId: string,
  token: string,
  lastEventId?: number,
): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    const req = httpRequest(
      `${base}/v1/jobs/${jobId}/events`,
      { headers, agent: false },
      (res: IncomingMessage) => {
        const events: JobEvent[] = [];
        const watchers: { match: (e: JobEvent) => boolean; done: () => void }[] = [];
        let buffer = '';
        let closed = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (closed) return;
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const id = /^id: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data === undefined) continue;
            const event = jobEventSchema.parse(JSON.parse(data));
            assert.equal(id, String(event.seq), 'the SSE id is the event seq');
            events.push(event);
            for (const w of [...watchers]) {
              if (!w.match(event)) continue;
              watchers.splice(watchers.indexOf(w), 1);
              w.done();
            }
          }
        });
        const ended = new Promise<void>((done) => res.on('close', () => done()));
        void ended.then(() => watchers.splice(0).forEach((w) => w.done()));
        resolve({
          status: res.statusCode ?? 0,
          events,
          ended,
          until: (match, ms) =>
            new Promise<void>((done, fail) => {
              if (events.some(match)) return done();
              const timer = setTimeout(
                () =>
                  fail(
                    new Error(
                      `no matching event in ${ms} ms; got ${events.map((e) => `${e.seq}:${e.type}/${e.stage}`).join(' ')}`,
                    ),
                  ),
                ms,
              );
              watchers.push({ match, done: () => (clearTimeout(timer), done()) });
            }),
          close: () => {
            closed = true;
            req.destroy();
          },
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A local webhook receiver on the IPv6 loopback, which the e2e targets allow (WEBHOOK_ALLOWED_HOSTS=[::1]). */
class Receiver {
  readonly received: { headers: IncomingHttpHeaders; body: string }[] = [];
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '::1', resolve));
    return `http://[::1]:${(this.server.address() as AddressInfo).port}/docat`;
  }

  async waitFor(count: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.received.length} webhook(s) arrived in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const UNITS: Record<WorkStage, string> = {
  extract: 'pages',
  translate: 'segments',
  render: 'pages',
};

describe(
  'live progress: SSE through the gateways, resumed without loss, and a signed webhook',
  { skip: corpus.skip },
  () => {
    let lease: ClusterLease;
    let api: DocatApi;
    const receiver = new Receiver();
    let webhookUrl: string;

    before(async () => {
      lease = await useCluster();
      api = new DocatApi(lease.cluster.gateways);
      await api.registerFresh();
      webhookUrl = await receiver.listen();
    });

    after(async () => {
      await receiver.close();
      await lease?.release();
    });

    test('a tracemonkey job: every stage with progress over SSE, a drop and resume on another gateway, the signed webhook at a local receiver', async () => {
      // The secret that signs per-job webhooks, shown once.
      const secret = await api.request<{ secret: string }>('POST', '/v1/webhooks/signing-secret');
      assert.equal(secret.status, 201, JSON.stringify(secret.body));

      // The translated PDF of every page: the render step shows page-by-page progress.
      const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), {
        outputs: 'pdf,md',
        noCache: 'true',
        webhookUrl,
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const jobId = upload.body.id;
      const gateways = lease.cluster.gateways;

      // Follow on one gateway until extraction has shown progress, then drop the connection.
      const first = await follow(gateways[0]!, jobId, api.token!);
      assert.equal(first.status, 200);
      await first.until(
        (e) => e.type === 'progress' || e.type === 'completed' || e.type === 'failed',
        60_000,
      );
      first.close();
      const seen = [...first.events];
      assert.ok(seen.length > 0);

      // Resume on the other gateway (when there are two) exactly after the last event seen.
      const second = await follow(
        gateways[gateways.length - 1]!,
        jobId,
        api.token!,
        seen.at(-1)!.seq,
      );
      assert.equal(second.status, 200);
      await Promise.race([
        second.ended,
        new Promise((_, fail) =>
          setTimeout(() => fail(new Error('the resumed stream did not end')), 120_000),
        ),
      ]);
      const all = [...seen, ...second.events];
      console.log(
        `job events (${lease.cluster.target} mode): ${all.length}, dropped after ${seen.length}; ` +
          all
            .map(
              (e) =>
                `${e.seq}:${e.type}/${e.stage}${
                  e.progress
                    ? ` ${Object.entries(e.progress.stages)
                        .map(([s, p]) => `${s}=${p.done}/${p.total}`)
                        .join(',')} eta=${e.progress.etaSeconds ?? '-'}`
                    : ''
                }`,
            )
            .join(' | '),
      );

      // Nothing lost, nothing twice: seqs run 1, 2, 3... across the drop.
      assert.deepEqual(
        all.map((e) => e.seq),
        all.map((_, i) => i + 1),
        `seqs across the drop: ${all.map((e) => e.seq).join(',')}`,
      );
      const last = all.at(-1)!;
      assert.equal(last.type, 'completed', JSON.stringify(last));
      assert.equal(last.progress?.percent, 100);

      // Every stage was entered and showed its counts (pages, segments, pages) with totals.
      for (const stage of ['extract', 'translate', 'render'] as const) {
        assert.ok(
          all.some((e) => e.stage === stage),
          `no event in stage ${stage}`,
        );
        const counted = all.filter((e) => e.progress?.stages[stage]);
        assert.ok(counted.length > 0, `no progress for ${stage}`);
        for (const e of counted)
          assert.equal(
            e.progress!.stages[stage]!.unit,
            UNITS[stage],
            `${stage} unit in event ${e.seq}`,
          );
        const final = last.progress!.stages[stage]!;
        assert.ok(
          final.total > 0 && final.done === final.total,
          `${stage} ends ${final.done}/${final.total}`,
        );
      }
      assert.equal(last.progress!.stages.extract!.total, 14);
      // From the first count on, the job's 14 pages (the upload's page-tree count), not the
      // first chunk's pages as planned before the document's count was known.
      for (const e of all)
        if (e.progress?.stages.extract)
          assert.equal(e.progress.stages.extract.total, 14, `extract total in event ${e.seq}`);
      assert.equal(last.progress!.stages.render!.total, 14);
      // Progress inside a stage, not only at its end: some event shows a stage part-way.
      assert.ok(
        all.some((e) =>
          Object.values(e.progress?.stages ?? {}).some((s) => s.done > 0 && s.done < s.total),
        ),
        'no event showed a stage part-way',
      );
      // Counts never go backwards within a unit.
      for (const stage of ['extract', 'translate', 'render'] as const) {
        let before = 0;
        for (const e of all) {
          const s = e.progress?.stages[stage];
          if (!s || s.unit !== UNITS[stage]) continue;
          assert.ok(s.done >= before, `${stage} went back at seq ${e.seq}`);
          before = s.done;
        }
      }

      // A client connecting after the end gets the whole history, the same events.
      const replay = await follow(gateways[0]!, jobId, api.token!);
      await replay.ended;
      assert.deepEqual(replay.events, all);

      // The signed webhook reached the local receiver.
      await receiver.waitFor(1, 60_000);
      const delivery = receiver.received.find((r) => r.body.includes(jobId));
      assert.ok(delivery, "the job's webhook arrived");
      assert.ok(
        verifyDocatWebhook(secret.body.secret, delivery.headers, delivery.body),
        'the signature verifies with the signing secret',
      );
      assert.ok(!verifyDocatWebhook('another-secret', delivery.headers, delivery.body));
      const payload = webhookPayloadSchema.parse(JSON.parse(delivery.body));
      assert.equal(payload.type, 'job.completed');
      assert.equal(payload.data.jobId, jobId);
      assert.equal(payload.data.links.events, `/v1/jobs/${jobId}/events`);
    });

    test('SSRF end to end: webhook URLs on loopback addresses not on the allowlist (127.0.0.2, localhost) are refused with 422, and nothing connects to them', async () => {
      // A trap on 127.0.0.2: if the guard let anything through, it would land here.
      const trap = createServer((req, res) => {
        trapped.push(req.url ?? '');
        res.end();
      });
      const trapped: string[] = [];
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
      const port = (trap.address() as AddressInfo).port;
      try {
        for (const url of [`http://127.0.0.2:${port}/upload`, `http://localhost:${port}/upload`]) {
          const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), {
            outputs: 'md',
            webhookUrl: url,
          });
          assert.equal(upload.status, 422, `${url}: ${JSON.stringify(upload.body)}`);
          assert.equal(upload.body.code, 'WEBHOOK_URL_FORBIDDEN');
          const endpoint = await api.request<{ code: string }>('POST', '/v1/webhooks', {
            json: { url: url.replace('/upload', '/endpoint') },
          });
          assert.equal(endpoint.status, 422, `${url}: ${JSON.stringify(endpoint.body)}`);
          assert.equal(endpoint.body.code, 'WEBHOOK_URL_FORBIDDEN');
        }
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(trapped, [], 'no request reached the loopback trap');
      } finally {
        await new Promise((resolve) => trap.close(resolve));
      }
    });
  },
);
