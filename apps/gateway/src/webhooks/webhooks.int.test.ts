import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import {
  EVENTS,
  jobViewSchema,
  problemSchema,
  tokenPairSchema,
  type JobEvent,
  type TokenPair,
} from '@docat/contracts';
import { NOTIFICATION_CLAIMS, NotificationModule } from '@docat/notification';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { createStorage } from '@docat/storage';
import { corpusFile, requireCorpus } from '@docat/testing';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';

const corpus = requireCorpus('tracemonkey.pdf');

/** From docs/webhooks.md. */
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
  const header = typeof headers['docat-signature'] === 'string' ? headers['docat-signature'] : '';
  return header.split(',').some((value) => {
    const given = Buffer.from(value.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe(
  'gateway webhooks and SSE with the real notification service',
  { skip: corpus.skip },
  () => {
    let stack: GatewayStack;
    let notification: RunningService;
    let receiver: Server;
    let port: number;
    const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
    let tracemonkey: Buffer;
    let alice: TokenPair;
    let bob: TokenPair;
    const forbiddenConnects: string[] = [];
    const originalConnect = net.Socket.prototype.connect;
    const url = (path: string) => `${stack.baseUrl}${path}`;
    const bearer = (pair: TokenPair) => ({ authorization: `Bearer ${pair.accessToken}` });
    const json = (pair: TokenPair) => ({ ...bearer(pair), 'content-type': 'application/json' });

    async function account(email: string): Promise<TokenPair> {
      const body = JSON.stringify({ email, password: 'a-long-password' });
      const headers = { 'content-type': 'application/json' };
      assert.equal(
        (await fetch(url('/v1/auth/register'), { method: 'POST', headers, body })).status,
        202,
      );
      return tokenPairSchema.parse(
        await (await fetch(url('/v1/auth/login'), { method: 'POST', headers, body })).json(),
      );
    }

    function upload(pair: TokenPair, fields: Record<string, string>): Promise<Response> {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([tracemonkey]), 'tracemonkey.pdf');
      return fetch(url('/v1/documents'), { method: 'POST', headers: bearer(pair), body: form });
    }

    async function waitForRequests(count: number): Promise<void> {
      for (let i = 0; i < 150 && received.length < count; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(
        received.length >= count,
        `${received.length} of ${count} webhook requests arrived`,
      );
    }

    async function uploadKeys(): Promise<string[]> {
      const keys: string[] = [];
      for await (const info of stack.storage.list('uploads/')) keys.push(info.key);
      return keys;
    }

    before(async () => {
      receiver = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          received.push({ path: req.url ?? '', headers: req.headers, body });
          res.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      port = (receiver.address() as AddressInfo).port;
      net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
        const first = args[0];
        const host =
          typeof first === 'object' && first !== null
            ? String((first as { host?: string }).host ?? '')
            : String(args[1] ?? '');
        if (['127.0.0.2', 'localhost', '169.254.169.254', '::1'].includes(host))
          forbiddenConnects.push(host);
        return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
      } as typeof net.Socket.prototype.connect;

      stack = await startGatewayStack({ WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}` });
      const config = stack.config;
      notification = await bootstrapService({
        service: 'notification',
        module: NotificationModule.register(),
        runtime: () =>
          createClusterRuntime(config, { storage: createStorage(config), migrate: true }),
        claims: NOTIFICATION_CLAIMS,
        managementPort: null,
        exitOnShutdown: false,
      });
      tracemonkey = await readFile(corpusFile('tracemonkey.pdf'));
      alice = await account('alice@example.org');
      bob = await account('bob@example.org');
    });

    after(async () => {
      net.Socket.prototype.connect = originalConnect;
      await notification?.shutdown('test end');
      await stack?.stop();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      assert.deepEqual(forbiddenConnects, [], 'no connection to a forbidden address was attempted');
    });

    test('an upload whose webhookUrl points at loopback or metadata is refused with 422 and leaves nothing in storage', async () => {
      const keysBefore = await uploadKeys();
      for (const webhookUrl of [
        `http://127.0.0.2:${port}/hook`,
        `http://localhost:${port}/hook`,
        'http://169.254.169.254/latest/meta-data/',
        `http://[::ffff:127.0.0.1]:${port}/`,
      ]) {
        const response = await upload(alice, { targetLanguage: 'de', webhookUrl });
        assert.equal(response.status, 422, webhookUrl);
        assert.equal(problemSchema.parse(await response.json()).code, 'WEBHOOK_URL_FORBIDDEN');
      }
      assert.deepEqual(await uploadKeys(), keysBefore);
    });

    test('/v1/webhooks: create shows the secret once, list, deliveries, redelivery, delete; another user gets 404', async () => {
      const refused = await fetch(url('/v1/webhooks'), {
        method: 'POST',
        headers: json(alice),
        body: JSON.stringify({ url: `http://127.0.0.2:${port}/` }),
      });
      assert.equal(refused.status, 422);
      assert.equal(problemSchema.parse(await refused.json()).code, 'WEBHOOK_URL_FORBIDDEN');
      const invalid = await fetch(url('/v1/webhooks'), {
        method: 'POST',
        headers: json(alice),
        body: JSON.stringify({ url: 'ftp://x', events: ['job.nope'] }),
      });
      assert.equal(invalid.status, 400);

      const created = await fetch(url('/v1/webhooks'), {
        method: 'POST',
        headers: json(alice),
        body: JSON.stringify({
          url: `http://127.0.0.1:${port}/account`,
          events: ['job.completed'],
        }),
      });
      assert.equal(created.status, 201);
      const endpoint = (await created.json()) as { id: string; secret: string; events: string[] };
      assert.match(endpoint.secret, /^whsec_/);
      assert.deepEqual(endpoint.events, ['job.completed']);
      const list = (await (
        await fetch(url('/v1/webhooks'), { headers: bearer(alice) })
      ).json()) as { items: { id: string; secret?: string }[] };
      assert.deepEqual(
        list.items.map((i) => i.id),
        [endpoint.id],
      );
      assert.equal(list.items[0]!.secret, undefined);
      assert.equal(
        (await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries`), { headers: bearer(bob) }))
          .status,
        404,
      );
      assert.equal(
        (
          await fetch(url(`/v1/webhooks/${endpoint.id}`), {
            method: 'DELETE',
            headers: bearer(bob),
          })
        ).status,
        404,
      );

      // A job of alice ends: the endpoint gets a signed delivery, visible in its log.
      const job = jobViewSchema.parse(await (await upload(alice, { targetLanguage: 'de' })).json());
      const before = received.length;
      const end: JobEvent = {
        jobId: job.id,
        seq: 1,
        type: 'completed',
        state: 'completed',
        stage: 'done',
        at: new Date().toISOString(),
      };
      await stack.gateway.runtime.bus.emit(EVENTS.JOB_COMPLETED, end, {
        context: { userId: await me(alice) },
      });
      await waitForRequests(before + 1);
      const got = received.find((r) => r.path === '/account')!;
      assert.ok(verifyDocatWebhook(endpoint.secret, got.headers, got.body));
      let deliveries: { id: string; state: string }[] = [];
      for (let i = 0; i < 50; i++) {
        deliveries = (
          (await (
            await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries`), { headers: bearer(alice) })
          ).json()) as { items: { id: string; state: string }[] }
        ).items;
        if (deliveries[0]?.state === 'delivered') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(deliveries[0]?.state, 'delivered');
      const redeliver = await fetch(
        url(`/v1/webhooks/${endpoint.id}/deliveries/${deliveries[0]!.id}/redeliver`),
        { method: 'POST', headers: bearer(alice) },
      );
      assert.equal(redeliver.status, 202);
      await waitForRequests(before + 2);

      assert.equal(
        (
          await fetch(url(`/v1/webhooks/${endpoint.id}`), {
            method: 'DELETE',
            headers: bearer(alice),
          })
        ).status,
        204,
      );
      assert.equal(
        (await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries`), { headers: bearer(alice) }))
          .status,
        404,
      );
    });

    test('a job with an allowed webhookUrl: events flow through notification to the SSE stream, and the signed webhook arrives', async () => {
      const { secret } = (await (
        await fetch(url('/v1/webhooks/signing-secret'), { method: 'POST', headers: bearer(bob) })
      ).json()) as { secret: string };
      const response = await upload(bob, {
        targetLanguage: 'de',
        webhookUrl: `http://127.0.0.1:${port}/job`,
      });
      assert.equal(response.status, 202);
      const job = jobViewSchema.parse(await response.json());
      stack.ingestion.jobs.get(job.id)!.view.state = 'processing';
      const userId = await me(bob);
      const progress = (seq: number, done: number): JobEvent => ({
        jobId: job.id,
        seq,
        type: 'progress',
        state: 'processing',
        stage: 'extract',
        progress: {
          percent: done * 5,
          stages: { extract: { done, total: 14, unit: 'pages' } },
          etaSeconds: 14 - done,
        },
        at: new Date().toISOString(),
      });
      await stack.gateway.runtime.bus.emit(EVENTS.JOB_PROGRESS, progress(1, 7), {
        context: { userId },
      });
      const sse = await fetch(url(`/v1/jobs/${job.id}/events`), { headers: bearer(bob) });
      assert.equal(sse.status, 200);
      await stack.gateway.runtime.bus.emit(EVENTS.JOB_PROGRESS, progress(2, 14), {
        context: { userId },
      });
      const before = received.length;
      await stack.gateway.runtime.bus.emit(
        EVENTS.JOB_COMPLETED,
        { ...progress(3, 14), type: 'completed', state: 'completed', stage: 'done' },
        { context: { userId } },
      );
      const text = await sse.text();
      assert.deepEqual(
        [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])),
        [1, 2, 3],
      );
      await waitForRequests(before + 1);
      const got = received.find((r) => r.path === '/job')!;
      assert.ok(verifyDocatWebhook(secret, got.headers, got.body));
      assert.equal((JSON.parse(got.body) as { data: { jobId: string } }).data.jobId, job.id);
    });

    async function me(pair: TokenPair): Promise<string> {
      const body = (await (await fetch(url('/v1/me'), { headers: bearer(pair) })).json()) as {
        id: string;
      };
      return body.id;
    }
  },
);
