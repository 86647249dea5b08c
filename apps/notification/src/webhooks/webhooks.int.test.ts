import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';
import {
  DocatError,
  EVENTS,
  RPC,
  uuidv7,
  webhookPayloadSchema,
  type CreatedWebhookEndpoint,
  type JobEvent,
  type WebhookDelivery,
} from '@docat/contracts';
import { startNotificationStack, type NotificationStack } from '../testing/notification.stack.js';

/** The receiver's check, written from docs/webhooks.md ("Verifying a delivery") alone. */
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

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A local receiver answering from a script of statuses (then 200), recording every request. */
class Receiver {
  readonly received: Received[] = [];
  private script: number[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
        const status = this.script.shift() ?? 200;
        // 0: never answer (the sender gives up or is stopped meanwhile).
        if (status !== 0) {
          res.statusCode = status;
          res.end();
        }
        for (const waiter of [...this.waiters]) {
          if (this.received.length >= waiter.count) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  answer(...statuses: number[]): void {
    this.script = statuses;
  }

  waitFor(count: number, ms = 15_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.received.length} of ${count} requests arrived`)),
        ms,
      );
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function completed(jobId: string, seq = 3): JobEvent {
  return {
    jobId,
    seq,
    type: 'completed',
    state: 'completed',
    stage: 'done',
    at: new Date().toISOString(),
  };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks: signed, retried, durable deliveries behind the SSRF guard', () => {
  let stack: NotificationStack;
  const receiver = new Receiver();
  const trap = new Receiver();
  let port: number;
  let trapPort: number;
  const forbiddenConnects: string[] = [];
  const originalConnect = net.Socket.prototype.connect;

  const call = <T>(pattern: string, data: unknown): Promise<T> =>
    stack.service.runtime.bus.call<T>(pattern, data, { timeoutMs: 10_000 });
  const emitEnd = (event: JobEvent, userId: string) =>
    stack.service.runtime.bus.emit(EVENTS.JOB_COMPLETED, event, { context: { userId } });
  const deliveries = (userId: string, endpointId: string) =>
    call<{ items: WebhookDelivery[] }>(RPC.NOTIFY_WEBHOOK_DELIVERIES, {
      userId,
      endpointId,
      limit: 50,
    }).then((r) => r.items);
  const endpoint = (userId: string, path: string, events?: string[]) =>
    call<CreatedWebhookEndpoint>(RPC.NOTIFY_WEBHOOKS_CREATE, {
      userId,
      url: `http://127.0.0.1:${port}${path}`,
      ...(events ? { events } : {}),
    });

  before(async () => {
    port = await receiver.listen();
    trapPort = await trap.listen();
    // Fails the suite if anything even tries to open a socket to an address the guard must refuse.
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const [first, second] = args;
      const opts =
        typeof first === 'object' && first !== null
          ? (first as { host?: string; port?: number | string })
          : { port: first as number, host: typeof second === 'string' ? second : undefined };
      const host = String(opts.host ?? '');
      if (
        ['127.0.0.2', 'localhost', '::1', '169.254.169.254'].includes(host) ||
        Number(opts.port) === trapPort
      )
        forbiddenConnects.push(`${host}:${opts.port}`);
      return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
    stack = await startNotificationStack(
      {
        WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}`,
        WEBHOOK_MAX_ENDPOINTS: '4;pro:5',
        WEBHOOK_RETRY_BUDGET: '3',
        WEBHOOK_RATE_LIMIT: '6/2s',
      },
      { webhooks: { attempts: 3, backoffMs: 300 } },
    );
  });

  after(async () => {
    net.Socket.prototype.connect = originalConnect;
    await stack?.stop();
    await receiver.close();
    await trap.close();
    assert.deepEqual(forbiddenConnects, [], 'no connection to a forbidden address was attempted');
    assert.equal(trap.received.length, 0);
  });

  test('an endpoint delivery is signed so that a receiver written from the docs verifies it; the secret is shown once', async () => {
    const userId = uuidv7();
    const created = await endpoint(userId, '/signed', ['job.completed']);
    assert.match(created.secret, /^whsec_/);
    const listed = await call<{ items: Record<string, unknown>[] }>(RPC.NOTIFY_WEBHOOKS_LIST, {
      userId,
    });
    assert.equal(listed.items.length, 1);
    assert.equal(listed.items[0]!.secret, undefined, 'a listed endpoint never shows its secret');

    const jobId = uuidv7();
    const before = receiver.received.length;
    await emitEnd(completed(jobId), userId);
    await emitEnd(completed(jobId), userId); // at-least-once events: still one delivery
    await receiver.waitFor(before + 1);
    const got = receiver.received[before]!;
    assert.equal(got.path, '/signed');
    assert.ok(verifyDocatWebhook(created.secret, got.headers, got.body), 'signature verifies');
    assert.ok(
      !verifyDocatWebhook('whsec_wrong', got.headers, got.body),
      'a wrong secret does not verify',
    );
    assert.ok(
      !verifyDocatWebhook(created.secret, got.headers, got.body.replace('completed', 'failed')),
      'a changed body does not verify',
    );
    const payload = webhookPayloadSchema.parse(JSON.parse(got.body));
    assert.equal(payload.type, 'job.completed');
    assert.equal(payload.data.jobId, jobId);
    assert.equal(payload.data.links.result, `/v1/jobs/${jobId}/result`);

    const log = await until('delivered state', async () => {
      const items = await deliveries(userId, created.id);
      return items[0]?.state === 'delivered' ? items : undefined;
    });
    assert.equal(log.length, 1);
    assert.equal(log[0]!.id, payload.id);
    assert.equal(log[0]!.lastStatus, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.received.filter((r) => r.path === '/signed').length, 1);
  });

  test('a receiver failing the first attempts gets the retries; attempts exhausted dead-letters, and redelivery sends it again', async () => {
    const userId = uuidv7();
    const created = await endpoint(userId, '/flaky');
    receiver.answer(500, 503);
    const before = receiver.received.length;
    await emitEnd(completed(uuidv7()), userId);
    await receiver.waitFor(before + 3);
    const first = await until('delivered after retries', async () => {
      const [item] = await deliveries(userId, created.id);
      return item?.state === 'delivered' ? item : undefined;
    });
    assert.equal(first.attempts, 3);
    const bodies = receiver.received.slice(before, before + 3).map((r) => r.body);
    assert.ok(
      bodies.every((b) => b === bodies[0]),
      'every retry sends the same body',
    );

    receiver.answer(500, 500, 500);
    const jobId = uuidv7();
    await emitEnd(completed(jobId), userId);
    const dead = await until('dead letter', async () =>
      (await deliveries(userId, created.id)).find((d) => d.jobId === jobId && d.state === 'dead'),
    );
    assert.equal(dead.attempts, 3);
    assert.equal(dead.lastStatus, 500);

    const countBefore = receiver.received.length;
    const reopened = await call<WebhookDelivery>(RPC.NOTIFY_WEBHOOK_REDELIVER, {
      userId,
      endpointId: created.id,
      deliveryId: dead.id,
    });
    assert.equal(reopened.state, 'pending');
    await receiver.waitFor(countBefore + 1);
    await until('redelivered', async () =>
      (await deliveries(userId, created.id)).find((d) => d.id === dead.id)?.state === 'delivered'
        ? true
        : undefined,
    );
  });

  test('per-job webhook URL: signed with the account signing secret, delivered even when the job ended before it was registered', async () => {
    const userId = uuidv7();
    const { secret } = await call<{ secret: string }>(RPC.NOTIFY_SIGNING_SECRET, { userId });
    const jobId = uuidv7();
    await emitEnd(completed(jobId), userId);
    await new Promise((r) => setTimeout(r, 300));
    const before = receiver.received.length;
    await call(RPC.NOTIFY_JOB_WEBHOOK, { userId, jobId, url: `http://127.0.0.1:${port}/job` });
    await receiver.waitFor(before + 1);
    const got = receiver.received.find((r) => r.path === '/job')!;
    assert.ok(verifyDocatWebhook(secret, got.headers, got.body));
    assert.equal(webhookPayloadSchema.parse(JSON.parse(got.body)).data.jobId, jobId);
  });

  test('loopback and metadata URLs not on the allowlist are refused with WEBHOOK_URL_FORBIDDEN, without a connection', async () => {
    const userId = uuidv7();
    for (const url of [
      `http://127.0.0.2:${port}/`,
      `http://localhost:${port}/`,
      `http://127.0.0.1:${trapPort}/`,
      'http://169.254.169.254/latest/meta-data/',
      `http://[::1]:${port}/`,
    ]) {
      await assert.rejects(
        call(RPC.NOTIFY_WEBHOOKS_CREATE, { userId, url }),
        (err: unknown) => err instanceof DocatError && err.code === 'WEBHOOK_URL_FORBIDDEN',
        url,
      );
      await assert.rejects(
        call(RPC.NOTIFY_JOB_WEBHOOK, { userId, jobId: uuidv7(), url }),
        (err: unknown) => err instanceof DocatError && err.code === 'WEBHOOK_URL_FORBIDDEN',
        url,
      );
    }
  });

  test('a stored URL that now resolves to a forbidden address fails its delivery without reaching it', async () => {
    const userId = uuidv7();
    const jobId = uuidv7();
    await call(RPC.NOTIFY_SIGNING_SECRET, { userId });
    // As if the URL had passed the check at submission and its name changed since.
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "notification"."job_webhooks" ("job_id", "user_id", "url") VALUES ($1, $2, $3)`,
        [jobId, userId, `http://localhost:${trapPort}/`],
      );
      await emitEnd(completed(jobId), userId);
      const row = await until('failed delivery', async () => {
        const { rows } = await client.query<{
          state: string;
          last_error: string | null;
          attempts: number;
        }>(
          `SELECT "state", "last_error", "attempts" FROM "notification"."webhook_deliveries" WHERE "job_id" = $1`,
          [jobId],
        );
        return rows[0]?.state === 'failed' ? rows[0] : undefined;
      });
      assert.match(row.last_error ?? '', /localhost resolves to .*loopback/);
      assert.equal(row.attempts, 1);
    } finally {
      await client.end();
    }
  });

  test('a delivery in flight when the notification service stops is delivered by the next one', async () => {
    const userId = uuidv7();
    const created = await endpoint(userId, '/restart');
    receiver.answer(0);
    const before = receiver.received.length;
    await emitEnd(completed(uuidv7()), userId);
    await receiver.waitFor(before + 1);
    const stopping = Date.now();
    await stack.restart();
    await receiver.waitFor(before + 2);
    assert.ok(
      receiver.received[before + 1]!.at >= stopping,
      'the second attempt came from the restarted service',
    );
    const delivered = await until('delivered after restart', async () => {
      const [item] = await deliveries(userId, created.id);
      return item?.state === 'delivered' ? item : undefined;
    });
    assert.ok(delivered.attempts >= 1);
    const [firstTry, secondTry] = receiver.received.slice(before, before + 2);
    assert.equal(firstTry!.body, secondTry!.body);
    assert.ok(verifyDocatWebhook(created.secret, secondTry!.headers, secondTry!.body));
  });

  test('an account has at most WEBHOOK_MAX_ENDPOINTS endpoints (more on a plan that allows it): past it LIMIT_REACHED, even when created at once', async () => {
    const userId = uuidv7();
    const tries = await Promise.allSettled(
      Array.from({ length: 7 }, (_, i) => endpoint(userId, `/limit-${i}`)),
    );
    assert.equal(
      tries.filter((t) => t.status === 'fulfilled').length,
      4,
      'exactly the limit, however the requests race',
    );
    for (const t of tries.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      assert.equal((t.reason as DocatError).code, 'LIMIT_REACHED');
    const [first] = (await call<{ items: { id: string }[] }>(RPC.NOTIFY_WEBHOOKS_LIST, { userId }))
      .items;
    await call(RPC.NOTIFY_WEBHOOKS_DELETE, { userId, endpointId: first!.id });
    await endpoint(userId, '/limit-again');
    const pro = uuidv7();
    const url = `http://127.0.0.1:${port}/pro`;
    for (let i = 0; i < 5; i++)
      await call(RPC.NOTIFY_WEBHOOKS_CREATE, { userId: pro, plan: 'pro', url });
    const refused = await call(RPC.NOTIFY_WEBHOOKS_CREATE, { userId: pro, plan: 'pro', url }).catch(
      (err: DocatError) => err,
    );
    assert.equal((refused as DocatError).code, 'LIMIT_REACHED');
  });

  test('the retries of one job draw from its budget: three failing endpoints get 3 first attempts and 3 retries, not 9 requests', async () => {
    const userId = uuidv7();
    const endpoints = await Promise.all([0, 1, 2].map((i) => endpoint(userId, `/budget-${i}`)));
    receiver.answer(...Array<number>(12).fill(500));
    try {
      const jobId = uuidv7();
      await emitEnd(completed(jobId), userId);
      const dead = await until('every delivery dead', async () => {
        const all = (await Promise.all(endpoints.map((e) => deliveries(userId, e.id))))
          .flat()
          .filter((d) => d.jobId === jobId);
        return all.length === 3 && all.every((d) => d.state === 'dead') ? all : undefined;
      });
      await new Promise((r) => setTimeout(r, 1_500));
      const sent = receiver.received.filter((r) => r.path.startsWith('/budget-')).length;
      assert.equal(sent, 3 + 3, `requests sent for the job: ${sent}`);
      assert.ok(
        dead.some((d) => d.lastError?.includes('retry budget')),
        JSON.stringify(dead.map((d) => d.lastError)),
      );
    } finally {
      receiver.answer();
    }
  });

  test('an account past WEBHOOK_RATE_LIMIT has its deliveries put off, not dropped, and without using attempts', async () => {
    const userId = uuidv7();
    const created = await endpoint(userId, '/rate');
    const before = receiver.received.length;
    for (let i = 0; i < 9; i++) await emitEnd(completed(uuidv7()), userId);
    await until('all nine delivered', async () => {
      const items = await deliveries(userId, created.id);
      return items.length === 9 && items.every((d) => d.state === 'delivered') ? items : undefined;
    });
    const arrivals = receiver.received
      .slice(before)
      .filter((r) => r.path === '/rate')
      .map((r) => r.at);
    assert.equal(arrivals.length, 9, 'each delivered once');
    // Six in any two seconds: the seventh waited for the first to leave the window.
    assert.ok(
      arrivals[6]! - arrivals[0]! >= 1_800,
      `7th request ${arrivals[6]! - arrivals[0]!} ms after the 1st`,
    );
    assert.ok(
      (await deliveries(userId, created.id)).every((d) => d.attempts === 1),
      'no attempt was used by waiting',
    );
  });
});
