import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayModule, IS_PUBLIC, PLAIN_ROUTES } from '@docat/gateway';
import {
  ACCESS_TOKEN,
  encodeJobCursor,
  MAX_UPLOAD_BYTES,
  TERMINAL_STATES,
  type TokenPair,
} from '@docat/contracts';
import { E2E_ADMIN } from '@docat/testing';
import {
  clusterOnly,
  corpusFile,
  requireCorpus,
  spawnService,
  stopProcess,
  useCluster,
  waitReady,
  type ClusterLease,
  type ProcessInfo,
  type RunningProcess,
} from '@docat/testing';
import { findInLogs } from './cluster-logs.js';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('standard_fonts.pdf', 'not-a-pdf.pdf', 'tracemonkey.pdf');

// ---------------------------------------------------------------------------------------
// The route table, read from the gateway's own controllers (Nest's route metadata), so a
// route added to the gateway fails this suite until it is classified below.
// ---------------------------------------------------------------------------------------

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'ALL',
  'OPTIONS',
  'HEAD',
  'SEARCH',
] as const;

interface Route {
  method: string;
  path: string;
  /** Opted out of the gateway's global authentication guard with `@Public()`. */
  markedPublic: boolean;
}

function gatewayRoutes(): Route[] {
  const routes: Route[] = [];
  for (const controller of GatewayModule.register().controllers ?? []) {
    const base = Reflect.getMetadata('path', controller) as string | string[] | undefined;
    let proto = (controller as { prototype: object }).prototype;
    const seen = new Set<string>();
    while (proto && proto !== Object.prototype) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor' || seen.has(name)) continue;
        seen.add(name);
        const handler = (proto as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata('method', handler) as number | undefined;
        const path = Reflect.getMetadata('path', handler) as string | string[] | undefined;
        if (method === undefined || path === undefined) continue;
        const markedPublic =
          Reflect.getMetadata(IS_PUBLIC, handler) === true ||
          Reflect.getMetadata(IS_PUBLIC, controller) === true;
        for (const b of [base ?? ''].flat()) {
          for (const p of [path].flat()) {
            const full = `/${[b, p].filter((s) => s && s !== '/').join('/')}`.replace(/\/+/g, '/');
            routes.push({ method: METHODS[method] ?? String(method), path: full, markedPublic });
          }
        }
      }
      proto = Object.getPrototypeOf(proto) as object;
    }
  }
  // Routes registered on Fastify directly (the status poll) carry no Nest metadata.
  // They authenticate with the same guard's `authenticate`.
  for (const route of PLAIN_ROUTES)
    routes.push({ method: route.method, path: route.path, markedPublic: false });
  return routes;
}

type Resource =
  | 'job'
  | 'glossary'
  | 'webhook'
  | 'delivery'
  | 'session'
  | 'apiKey'
  | 'user'
  | 'queue'
  | 'queueJob';

/**
 * How each route is protected:
 * - public: no credential needed;
 * - self: a credential needed, and the route only ever acts on the caller's own data;
 * - owned: the path names a resource; another user's id must answer 404;
 * - admin: a non-admin gets 403 (or 404), never the resource.
 */
type Access =
  | { kind: 'public' }
  | { kind: 'self' }
  | { kind: 'owned'; params: Record<string, Resource>; query?: string }
  | { kind: 'admin'; params?: Record<string, Resource> };

const PUBLIC: Access = { kind: 'public' };
const SELF: Access = { kind: 'self' };
const owned = (params: Record<string, Resource>, query?: string): Access => ({
  kind: 'owned',
  params,
  ...(query ? { query } : {}),
});
const admin = (params?: Record<string, Resource>): Access => ({
  kind: 'admin',
  ...(params ? { params } : {}),
});

const ROUTES: Record<string, Access> = {
  'POST /v1/auth/register': PUBLIC,
  'POST /v1/auth/login': PUBLIC,
  'POST /v1/auth/refresh': PUBLIC,
  'POST /v1/auth/logout': PUBLIC,
  'POST /v1/auth/browser/login': PUBLIC,
  'POST /v1/auth/browser/refresh': PUBLIC,
  'POST /v1/auth/browser/logout': PUBLIC,
  'POST /v1/auth/password-reset': PUBLIC,
  'POST /v1/auth/password-reset/confirm': PUBLIC,
  'GET /v1/auth/verify-email': PUBLIC,
  'POST /v1/auth/verify-email': PUBLIC,
  'POST /v1/auth/verify-email/resend': SELF,
  'GET /v1/me': SELF,
  'GET /v1/me/export': SELF,
  'DELETE /v1/me': SELF,
  'GET /v1/usage': SELF,
  'POST /v1/documents': SELF,
  'GET /v1/jobs': SELF,
  'GET /v1/jobs/:id': owned({ id: 'job' }),
  'DELETE /v1/jobs/:id': owned({ id: 'job' }),
  'GET /v1/jobs/:id/result': owned({ id: 'job' }, 'format=md'),
  'GET /v1/jobs/:id/events': owned({ id: 'job' }),
  'GET /v1/jobs/:id/source': owned({ id: 'job' }),
  'POST /v1/jobs/:id/erase': owned({ id: 'job' }),
  'GET /v1/jobs/:id/report': owned({ id: 'job' }),
  'POST /v1/webhooks': SELF,
  'GET /v1/webhooks': SELF,
  'POST /v1/webhooks/signing-secret': SELF,
  'DELETE /v1/webhooks/:id': owned({ id: 'webhook' }),
  'GET /v1/webhooks/:id/deliveries': owned({ id: 'webhook' }),
  'POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver': owned({
    id: 'webhook',
    deliveryId: 'delivery',
  }),
  'POST /v1/glossaries': SELF,
  'GET /v1/glossaries': SELF,
  'GET /v1/glossaries/:id': owned({ id: 'glossary' }),
  'PATCH /v1/glossaries/:id': owned({ id: 'glossary' }),
  'DELETE /v1/glossaries/:id': owned({ id: 'glossary' }),
  'DELETE /v1/memory': SELF,
  'GET /v1/memory/tmx': SELF,
  'POST /v1/memory/tmx': SELF,
  'GET /v1/sessions': SELF,
  'DELETE /v1/sessions': SELF,
  'DELETE /v1/sessions/:id': owned({ id: 'session' }),
  'POST /v1/api-keys': SELF,
  'GET /v1/api-keys': SELF,
  'DELETE /v1/api-keys/:id': owned({ id: 'apiKey' }),
  'GET /v1/admin/users': admin(),
  'POST /v1/admin/users/:id/disable': admin({ id: 'user' }),
  'POST /v1/admin/users/:id/enable': admin({ id: 'user' }),
  'POST /v1/admin/users/:id/plan': admin({ id: 'user' }),
  'POST /v1/admin/invites': admin(),
  'GET /v1/admin/queues': admin(),
  'GET /v1/admin/queues/:name/failed': admin({ name: 'queue' }),
  'POST /v1/admin/queues/:name/failed/:id/retry': admin({ name: 'queue', id: 'queueJob' }),
  'POST /v1/admin/queues/:name/failed/:id/remove': admin({ name: 'queue', id: 'queueJob' }),
  'GET /v1/languages': PUBLIC,
  'GET /v1/engines': PUBLIC,
  'GET /v1/limits': PUBLIC,
  'GET /health': PUBLIC,
  'GET /docs': PUBLIC,
  'GET /docs/openapi.json': PUBLIC,
};

const keyOf = (r: Route) => `${r.method} ${r.path}`;

function fillPath(path: string, values: (param: string) => string): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(values(name)));
}

// ---------------------------------------------------------------------------------------
// Raw HTTP helpers: some checks must see exactly what the gateway sent.
// ---------------------------------------------------------------------------------------

interface Probe {
  status: number;
  headers: Headers;
  body: string;
}

/** One request; an event stream is cut after its headers so it cannot hang the test. */
async function probe(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Probe> {
  const abort = new AbortController();
  const res = await fetch(base + path, {
    method,
    headers,
    redirect: 'manual',
    signal: abort.signal,
    ...(body !== undefined ? { body } : {}),
  });
  let text = '';
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) abort.abort();
  else text = await res.text();
  return { status: res.status, headers: res.headers, body: text };
}

function codeOf(p: Probe): string | undefined {
  try {
    return (JSON.parse(p.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

const b64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

function jwtParts(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
} {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>,
    signature: s!,
  };
}

function signEd25519(header: object, payload: object, key: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

function rssKb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) =>
    Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN),
  );
}

/** Sends `body` to `path` one byte every `gapMs` over a raw socket; answers the status, whether the server closed the connection, and when. */
function trickledBody(
  base: string,
  path: string,
  body: string,
  gapMs: number,
  giveUpMs: number,
): Promise<{ status: number; closed: boolean; ms: number }> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0),
        closed,
        ms: Date.now() - t0,
      });
    };
    const timer = setInterval(
      () => sent < body.length && socket.writable && socket.write(body[sent++]!),
      gapMs,
    );
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
  });
}

/**
 * A one-page PDF carrying every kind of active content a reader may run on its own: a
 * JavaScript OpenAction, document additional actions, a document-level script, an
 * embedded file (name tree and attachment annotation), page additional actions, a Launch
 * link, and a URI link that must survive. Written by hand, with a correct xref.
 */
function armedPdf(): Buffer {
  const js = '<< /S /JavaScript /JS (app.alert\\(1\\); var probe = "docat-active-probe";) >>';
  const objects = [
    `<< /Type /Catalog /Pages 2 0 R /OpenAction ${js} /AA << /WC ${js} >> /Names << /JavaScript << /Names [(init) ${js}] >> /EmbeddedFiles << /Names [(probe.txt) 7 0 R] >> >> >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /AA << /O ${js} >> /Annots [8 0 R 9 0 R 10 0 R] >>`,
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /EmbeddedFile /Length 25 >>\nstream\ndocat-embedded-file-probe\nendstream',
    '<< /Type /Filespec /F (probe.txt) /EF << /F 6 0 R >> >>',
    '<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A << /S /URI /URI (https://example.org/kept) >> >>',
    '<< /Type /Annot /Subtype /Link /Rect [72 660 300 680] /Border [0 0 0] /A << /S /Launch /F (calc.exe) >> >>',
    '<< /Type /Annot /Subtype /FileAttachment /Rect [400 700 420 720] /FS 7 0 R /Contents (probe) >>',
  ];
  const text =
    'BT /F1 14 Tf 72 740 Td (The quarterly report shows steady growth in every region.) Tj 0 -24 Td (Readers should open the attached file for details.) Tj ET';
  objects[3] = `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Active content found in a PDF's bytes (outputs are written without object streams, so names are visible). */
function activeContentIn(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  return [
    '/JavaScript',
    '/OpenAction',
    '/Launch',
    '/EmbeddedFile',
    '/FileAttachment',
    '/AA',
    'docat-active-probe',
    'docat-embedded-file-probe',
  ].filter((needle) => text.includes(needle));
}

// ---------------------------------------------------------------------------------------

describe(
  'security: the attacks a public API meets, through the gateway',
  { skip: corpus.skip },
  () => {
    let lease: ClusterLease;
    let owner: DocatApi;
    let stranger: DocatApi;
    let ownerEmail: string;
    let ownerPair: TokenPair;
    let gateway: string;
    const ids: Partial<Record<Resource, string>> = {};
    /** Strings that must never appear in any process log. */
    const secrets = new Map<string, string>();
    const password = `pw-${randomBytes(12).toString('hex')}`;
    /** A webhook receiver on the IPv6 loopback, which the e2e targets allow (WEBHOOK_ALLOWED_HOSTS). */
    const receiver: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });

    async function login(
      email: string,
      pass: string,
      base = gateway,
      headers: Record<string, string> = {},
    ): Promise<Probe> {
      return probe(
        base,
        'POST',
        '/v1/auth/login',
        { 'content-type': 'application/json', ...headers },
        JSON.stringify({ email, password: pass }),
      );
    }

    before(async () => {
      lease = await useCluster();
      gateway = lease.cluster.gateways[0]!;
      owner = new DocatApi(lease.cluster.gateways);
      stranger = new DocatApi(lease.cluster.gateways);
      await stranger.registerFresh();

      ownerEmail = `sec-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
      const reg = await owner.request('POST', '/v1/auth/register', {
        json: { email: ownerEmail, password },
        auth: false,
      });
      assert.equal(reg.status, 202, JSON.stringify(reg.body));
      const logged = await owner.request<TokenPair>('POST', '/v1/auth/login', {
        json: { email: ownerEmail, password },
        auth: false,
      });
      assert.equal(logged.status, 200);
      ownerPair = logged.body;
      owner.token = ownerPair.accessToken;
      secrets.set('password', password);
      secrets.set('access token', ownerPair.accessToken);
      secrets.set('refresh token', ownerPair.refreshToken);
      if (lease.cluster.env.DOCAT_ENCRYPTION_KEY)
        secrets.set('encryption key', lease.cluster.env.DOCAT_ENCRYPTION_KEY);
      if (lease.cluster.env.S3_SECRET_ACCESS_KEY)
        secrets.set('S3 secret', lease.cluster.env.S3_SECRET_ACCESS_KEY);
      if (lease.cluster.env.DOCAT_ADMIN_PASSWORD)
        secrets.set('admin password', lease.cluster.env.DOCAT_ADMIN_PASSWORD);

      // One resource of every kind, owned by `owner`.
      const me = await owner.request<{ id: string }>('GET', '/v1/me');
      ids.user = me.body.id;
      const pdfPassword = `pdfpw-${randomBytes(8).toString('hex')}`;
      secrets.set('PDF password', pdfPassword);
      await new Promise<void>((resolve) => receiver.listen(0, '::1', resolve));
      const hookUrl = `http://[::1]:${(receiver.address() as AddressInfo).port}/docat`;
      const webhook = await owner.request<{ id: string; secret?: string }>('POST', '/v1/webhooks', {
        json: { url: hookUrl },
      });
      assert.equal(webhook.status, 201, `webhook endpoint: ${JSON.stringify(webhook.body)}`);
      ids.webhook = webhook.body.id;
      if (webhook.body.secret) secrets.set('webhook secret', webhook.body.secret);
      const upload = await owner.uploadFile(corpusFile('standard_fonts.pdf'), {
        outputs: 'md',
        password: pdfPassword,
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      ids.job = upload.body.id;
      const job = await owner.waitFinished(upload.body.id);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));
      const glossary = await owner.request<{ id: string }>('POST', '/v1/glossaries', {
        json: { sourceLanguage: 'en', targetLanguage: 'de', csv: 'cat,Katze\n' },
      });
      assert.equal(glossary.status, 201, JSON.stringify(glossary.body));
      ids.glossary = glossary.body.id;
      const sessions = await owner.request<{ items: { id: string }[] }>('GET', '/v1/sessions');
      ids.session = sessions.body.items[0]!.id;
      const key = await owner.request<{ id: string; key: string }>('POST', '/v1/api-keys', {
        json: { name: 'security suite' },
      });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      ids.apiKey = key.body.id;
      secrets.set('API key', key.body.key);
      // A delivery of the account webhook for the finished job, if the notifier has made one yet.
      const deadline = Date.now() + 5_000;
      while (!ids.delivery && Date.now() < deadline) {
        const deliveries = await owner.request<{ items: { id: string }[] }>(
          'GET',
          `/v1/webhooks/${ids.webhook}/deliveries`,
        );
        ids.delivery = deliveries.body.items?.[0]?.id;
        if (!ids.delivery) await new Promise((r) => setTimeout(r, 250));
      }
      ids.delivery ??= randomUUID();
      ids.queue = 'extract';
      ids.queueJob = randomUUID();
    });
    after(async () => {
      // The receiver goes away: stop the notifier retrying to it.
      if (ids.webhook)
        await owner.request('DELETE', `/v1/webhooks/${ids.webhook}`).catch(() => undefined);
      receiver.close();
      await lease?.release();
    });

    test('every gateway route is classified, and every classified route exists', () => {
      const routes = gatewayRoutes();
      assert.ok(
        routes.length >= 30,
        `only ${routes.length} routes found: the route table was not read`,
      );
      const unclassified = routes.map(keyOf).filter((k) => !Object.hasOwn(ROUTES, k));
      assert.deepEqual(
        unclassified,
        [],
        'classify new routes in ROUTES (public, self, owned or admin)',
      );
      const known = new Set(routes.map(keyOf));
      assert.deepEqual(
        Object.keys(ROUTES).filter((k) => !known.has(k)),
        [],
        'routes listed here but gone from the gateway',
      );
    });

    test('a route opts out of authentication with @Public() exactly when it is classified public', () => {
      const routes = gatewayRoutes();
      assert.deepEqual(
        routes.filter((r) => r.markedPublic !== (ROUTES[keyOf(r)]?.kind === 'public')).map(keyOf),
        [],
        'a route marked @Public() must be classified PUBLIC here, and a PUBLIC one marked @Public()',
      );
    });

    test('without a credential, every non-public route answers 401 (and every route is served)', async () => {
      for (const route of gatewayRoutes()) {
        const access = ROUTES[keyOf(route)]!;
        const path = fillPath(route.path, () => randomUUID());
        const res = await probe(gateway, route.method, path);
        if (access.kind === 'public') {
          assert.notEqual(res.status, 404, `${keyOf(route)} is not served`);
          continue;
        }
        assert.equal(
          res.status,
          401,
          `${keyOf(route)} without credentials: ${res.status} ${res.body}`,
        );
        assert.equal(codeOf(res), 'UNAUTHENTICATED');
        const garbage = await probe(gateway, route.method, path, {
          authorization: 'Bearer not.a.token',
        });
        assert.equal(garbage.status, 401, `${keyOf(route)} with a garbage token`);
      }
    });

    test('IDOR: another user gets 404 on every route naming a resource, and the owner still has it', async () => {
      const bearer = (api: DocatApi, json = false): Record<string, string> => ({
        authorization: `Bearer ${api.token!}`,
        ...(json ? { 'content-type': 'application/json' } : {}),
      });
      const tried: string[] = [];
      for (const route of gatewayRoutes()) {
        const access = ROUTES[keyOf(route)]!;
        if (access.kind !== 'owned' && access.kind !== 'admin') continue;
        const params = access.params ?? {};
        const path =
          fillPath(route.path, (name) => ids[params[name]!]!) +
          (access.kind === 'owned' && access.query ? `?${access.query}` : '');
        // A valid change, so only ownership can refuse it.
        const body =
          route.method === 'POST'
            ? route.path.endsWith('/plan')
              ? JSON.stringify({ plan: 'pro' })
              : '{}'
            : route.method === 'PATCH'
              ? JSON.stringify({ name: 'taken over' })
              : undefined;
        const res = await probe(
          gateway,
          route.method,
          path,
          bearer(stranger, body !== undefined),
          body,
        );
        tried.push(`${route.method} ${path} -> ${res.status}`);
        if (access.kind === 'owned') {
          assert.equal(
            res.status,
            404,
            `${keyOf(route)} as a stranger answered ${res.status}: ${res.body}`,
          );
          assert.equal(codeOf(res), 'NOT_FOUND');
          assert.equal(res.headers.get('location'), null);
          if (route.method === 'GET') {
            const mine = await probe(gateway, route.method, path, bearer(owner));
            const missingDelivery = route.path.includes(':deliveryId');
            if (!missingDelivery)
              assert.ok(
                mine.status < 400,
                `${keyOf(route)} as the owner answered ${mine.status}: ${mine.body}`,
              );
          }
        } else {
          assert.ok(
            res.status === 403 || res.status === 404,
            `${keyOf(route)} as a non-admin answered ${res.status}: ${res.body}`,
          );
        }
      }
      assert.ok(tried.length >= 15, tried.join('\n'));
      // Nothing the stranger did changed the owner's data.
      assert.equal((await owner.job(ids.job!)).body.state, 'completed');
      const glossary = await owner.request<{ name: string }>(
        'GET',
        `/v1/glossaries/${ids.glossary}`,
      );
      assert.equal(glossary.status, 200);
      assert.notEqual(glossary.body.name, 'taken over');
      const hooks = await owner.request<{ items: { id: string }[] }>('GET', '/v1/webhooks');
      assert.ok(hooks.body.items.some((h) => h.id === ids.webhook));
      assert.equal(
        (
          await owner.request('GET', '/v1/me', {
            auth: false,
            headers: { 'x-api-key': secrets.get('API key')! },
          })
        ).status,
        200,
      );
      const refreshed = await probe(
        gateway,
        'POST',
        '/v1/auth/refresh',
        { 'content-type': 'application/json' },
        JSON.stringify({ refreshToken: ownerPair.refreshToken }),
      );
      assert.equal(refreshed.status, 200, `the owner's session survived: ${refreshed.body}`);
      ownerPair = JSON.parse(refreshed.body) as TokenPair;
      owner.token = ownerPair.accessToken;
      secrets.set('refreshed access token', ownerPair.accessToken);
      secrets.set('refreshed refresh token', ownerPair.refreshToken);
    });

    test('forged JWTs are refused: tampered, alg none, HMAC with the public key, wrong key, unknown kid, expired', async () => {
      const real = jwtParts(owner.token!);
      const kid = String(real.header.kid);
      const now = Math.floor(Date.now() / 1000);
      const claims = { ...real.payload, role: 'admin', exp: now + 600 };
      const header = { alg: ACCESS_TOKEN.algorithm, typ: ACCESS_TOKEN.type, kid };
      const other = generateKeyPairSync('ed25519').privateKey;
      const genuine = await probe(gateway, 'GET', '/v1/me', {
        authorization: `Bearer ${owner.token!}`,
      });
      assert.equal(genuine.status, 200, 'the genuine token works');

      const forged: Record<string, string> = {
        tampered: `${b64url(real.header)}.${b64url(claims)}.${real.signature}`,
        'alg none, empty signature': `${b64url({ ...header, alg: 'none' })}.${b64url(claims)}.`,
        'alg none, any signature': `${b64url({ ...header, alg: 'none' })}.${b64url(claims)}.${b64url(Buffer.from('x'))}`,
        'signed by another key under the real kid': signEd25519(header, claims, other),
        'signed by another key under an unknown kid': signEd25519(
          { ...header, kid: 'attacker-key' },
          claims,
          other,
        ),
        'no kid': signEd25519(
          { alg: ACCESS_TOKEN.algorithm, typ: ACCESS_TOKEN.type },
          claims,
          other,
        ),
      };
      const key = await realSigningKey(kid);
      // Algorithm confusion: an HMAC keyed with the public key (its JWK x, or the kid when the key is not at hand).
      const publicX = key ? String(createPublicKey(key).export({ format: 'jwk' }).x) : kid;
      for (const secret of [publicX, Buffer.from(publicX, 'base64url').toString('latin1')]) {
        const input = `${b64url({ ...header, alg: 'HS256' })}.${b64url(claims)}`;
        forged[`HS256 keyed with the public key (${secret.length} chars)`] =
          `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      }
      if (key) {
        forged['expired (real key)'] = signEd25519(
          header,
          { ...real.payload, iat: now - 3600, exp: now - 1800 },
          key,
        );
        forged['wrong audience (real key)'] = signEd25519(
          header,
          { ...real.payload, aud: 'someone-else' },
          key,
        );
        // The control: the same forging path with valid claims is accepted, so the refusals above are about the claims.
        const control = await probe(gateway, 'GET', '/v1/me', {
          authorization: `Bearer ${signEd25519(header, { ...real.payload, exp: now + 300 }, key)}`,
        });
        assert.equal(
          control.status,
          200,
          `a well-formed token signed with the real key: ${control.body}`,
        );
      }
      for (const [name, token] of Object.entries(forged)) {
        for (const base of lease.cluster.gateways) {
          const res = await probe(base, 'GET', '/v1/me', { authorization: `Bearer ${token}` });
          assert.equal(res.status, 401, `${name}: ${res.status} ${res.body}`);
          assert.ok(
            ['TOKEN_INVALID', 'UNAUTHENTICATED'].includes(codeOf(res) ?? ''),
            `${name}: ${res.body}`,
          );
        }
      }
      if (!key)
        assert.equal(lease.cluster.target, 'standalone', 'the real key is read in cluster mode');
    });

    /** The auth service's current private key, from its table, in cluster mode (the test owns that database). */
    async function realSigningKey(kid: string): Promise<KeyObject | null> {
      const { DATABASE_URL: url, DOCAT_ENCRYPTION_KEY: material } = lease.cluster.env;
      if (lease.cluster.target !== 'cluster' || !url || !material) return null;
      const { default: pg } = await import('pg');
      const { createKeyring, decryptSecret } = await import('@docat/config');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ private_key_secret: string }>(
          'SELECT private_key_secret FROM auth.signing_keys WHERE kid = $1',
          [kid],
        );
        if (!rows[0]) return null;
        const pem = decryptSecret(
          createKeyring(material),
          rows[0].private_key_secret,
          `auth.signing_keys:${kid}`,
        );
        return createPrivateKey(pem);
      } finally {
        await client.end();
      }
    }

    test('brute force: after repeated failed logins the account is locked, even for the right password', async () => {
      const victim = new DocatApi(lease.cluster.gateways);
      const { email } = await victim.registerFresh();
      const statuses: number[] = [];
      let locked: Probe | undefined;
      for (let i = 0; i < 30 && !locked; i++) {
        const res = await login(
          email,
          `guess-${i}`,
          lease.cluster.gateways[i % lease.cluster.gateways.length],
        );
        statuses.push(res.status);
        if (res.status === 423 || res.status === 429) locked = res;
        else assert.equal(codeOf(res), 'INVALID_CREDENTIALS');
      }
      assert.ok(locked, `no lockout after ${statuses.length} failed logins`);
      assert.equal(
        statuses.filter((s) => s === 401).length,
        10,
        'LOGIN_LOCKOUT default: 10 failures',
      );
      assert.equal(codeOf(locked), 'ACCOUNT_LOCKED');
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      // The right password does not get through while locked, on any replica.
      const { body } = await victim.request<{ email: string }>('GET', '/v1/me');
      assert.equal(body.email, email);
      for (const base of lease.cluster.gateways) {
        const res = await probe(
          base,
          'POST',
          '/v1/auth/login',
          { 'content-type': 'application/json' },
          JSON.stringify({ email, password: 'whatever-it-is' }),
        );
        assert.equal(res.status, 423);
      }
    });

    test('rate-limit headers on limited routes, with the configured limits', async () => {
      const jobs = await probe(gateway, 'GET', '/v1/jobs', {
        authorization: `Bearer ${owner.token!}`,
      });
      assert.equal(jobs.status, 200);
      const general = lease.cluster.env.RATE_LIMIT_API_GENERAL ?? '1000/hour';
      assert.equal(jobs.headers.get('ratelimit-limit'), general.split('/')[0]);
      assert.match(jobs.headers.get('ratelimit-policy') ?? '', /;w=3600;comment="api_general"/);
      assert.ok(Number(jobs.headers.get('ratelimit-remaining')) >= 0);
      assert.ok(Number(jobs.headers.get('ratelimit-reset')) > 0);
      const upload = await owner.uploadFile(corpusFile('not-a-pdf.pdf'));
      assert.equal(upload.status, 415);
      assert.match(upload.headers.get('ratelimit-policy') ?? '', /comment="pdf_upload"/);
      const loginRes = await login(ownerEmail, password);
      assert.equal(loginRes.status, 200);
      assert.match(loginRes.headers.get('ratelimit-policy') ?? '', /comment="auth_login"/);
      secrets.set('login access token', (JSON.parse(loginRes.body) as TokenPair).accessToken);
    });

    test(
      'the shipped default limits, live on a gateway replica without overrides (shared Redis window)',
      { skip: clusterOnly() },
      async (t) => {
        const env: Record<string, string> = { ...lease.cluster.env };
        for (const name of [
          'RATE_LIMIT_PDF_UPLOAD',
          'RATE_LIMIT_API_GENERAL',
          'RATE_LIMIT_AUTH_LOGIN',
          'RATE_LIMIT_PASSWORD_RESET',
        ])
          delete env[name];
        // Per-address counts live in the shared Redis too: this replica believes X-Forwarded-For from
        // the test, so its client address is one no other test used.
        env.TRUSTED_PROXIES = '127.0.0.1,::1';
        // A short body timeout, so a trickled body can be seen cut (the default is 30 s).
        env.HTTP_BODY_TIMEOUT = '2s';
        const client = { 'x-forwarded-for': `198.51.100.${10 + Math.floor(Math.random() * 200)}` };
        const proc: RunningProcess = await spawnService(
          'gateway',
          900 + Math.floor(Math.random() * 90),
          env,
          lease.cluster.logDir,
        );
        try {
          await waitReady(proc, 60_000);
          const base = `http://127.0.0.1:${proc.httpPort!}`;
          // An account registered without logging in, so its per-account login count starts at zero.
          const email = `limits-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
          const reg = await probe(
            gateway,
            'POST',
            '/v1/auth/register',
            { 'content-type': 'application/json' },
            JSON.stringify({ email, password }),
          );
          assert.equal(reg.status, 202);
          const slow = await trickledBody(
            base,
            '/v1/auth/login',
            JSON.stringify({ email, password }),
            500,
            10_000,
          );
          assert.deepEqual(
            { status: slow.status, closed: slow.closed },
            { status: 408, closed: true },
            `a trickled body: ${JSON.stringify(slow)}`,
          );
          assert.ok(slow.ms >= 1_500 && slow.ms < 6_000, `cut after ${slow.ms} ms`);
          t.diagnostic(
            `a JSON body sent one byte every 500 ms: ${slow.status} and closed after ${slow.ms} ms (HTTP_BODY_TIMEOUT=2s)`,
          );
          const logins: Probe[] = [];
          for (let i = 0; i < 6; i++)
            logins.push(await login(email, 'wrong-on-purpose', base, client));
          assert.deepEqual(
            logins.map((r) => r.status),
            [401, 401, 401, 401, 401, 429],
            'auth_login default: 5 a minute',
          );
          const refused = logins[5]!;
          assert.equal(codeOf(refused), 'RATE_LIMITED');
          assert.ok(
            Number(refused.headers.get('retry-after')) > 0 &&
              Number(refused.headers.get('retry-after')) <= 60,
          );
          assert.match(
            refused.headers.get('ratelimit-policy') ?? '',
            /^5;w=60;comment="auth_login"/,
          );
          // pdf_upload default: 10 an hour per user, counting accepted uploads only: refused
          // ones (not a PDF) count against api_general, never use up the upload quota.
          const uploader = new DocatApi([gateway]);
          await uploader.registerFresh();
          const onDefaults = new DocatApi([base]);
          onDefaults.token = uploader.token;
          const uploads: number[] = [];
          for (let i = 0; i < 12; i++)
            uploads.push((await onDefaults.uploadFile(corpusFile('not-a-pdf.pdf'))).status);
          assert.deepEqual(uploads, Array<number>(12).fill(415));
          const last = await onDefaults.uploadFile(corpusFile('not-a-pdf.pdf'));
          assert.match(
            last.headers.get('ratelimit-policy') ?? '',
            /10;w=3600;comment="pdf_upload"/,
          );
          assert.ok(
            Number(last.headers.get('ratelimit-remaining')) >= 9,
            `refusals left the quota whole: ${last.headers.get('ratelimit-remaining')}`,
          );
          assert.equal(last.headers.get('x-content-type-options'), 'nosniff');
        } finally {
          await stopProcess(proc);
          const info: ProcessInfo = {
            app: 'gateway',
            replica: proc.replica,
            pid: proc.pid,
            managementPort: proc.managementPort,
            logFile: proc.logFile,
            ...(proc.httpPort ? { httpPort: proc.httpPort } : {}),
          };
          lease.cluster.processes.push(info);
        }
      },
    );

    test('a revoked API key stops working within 5 seconds on every gateway', async (t) => {
      const created = await owner.request<{ id: string; key: string }>('POST', '/v1/api-keys', {
        json: { name: 'to revoke' },
      });
      assert.equal(created.status, 201);
      secrets.set('revoked API key', created.body.key);
      for (const base of lease.cluster.gateways) {
        assert.equal(
          (await probe(base, 'GET', '/v1/me', { 'x-api-key': created.body.key })).status,
          200,
        );
        assert.equal(
          (await probe(base, 'GET', '/v1/me', { authorization: `Bearer ${created.body.key}` }))
            .status,
          200,
        );
      }
      const revoked = await owner.request('DELETE', `/v1/api-keys/${created.body.id}`);
      assert.ok(revoked.status === 204 || revoked.status === 200, String(revoked.status));
      const t0 = Date.now();
      const pending = new Set(lease.cluster.gateways);
      while (pending.size > 0 && Date.now() - t0 < 5_000) {
        for (const base of [...pending])
          if (
            (await probe(base, 'GET', '/v1/me', { 'x-api-key': created.body.key })).status === 401
          )
            pending.delete(base);
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
      }
      t.diagnostic(`refused on every gateway ${Date.now() - t0} ms after the revocation answered`);
      assert.equal(pending.size, 0, `still accepted after 5 s by ${[...pending].join(', ')}`);
    });

    test('an upload declaring 51 MB is refused before its body is read', async (t) => {
      const declared = 51_000_000;
      const url = new URL(gateway);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const outcome = await new Promise<{ status: number; sentBeforeAnswer: number; ms: number }>(
        (resolve, reject) => {
          const t0 = Date.now();
          let sent = 0;
          let answered = false;
          const req = httpRequest(
            {
              host: url.hostname,
              port: url.port,
              method: 'POST',
              path: '/v1/documents',
              headers: {
                authorization: `Bearer ${owner.token!}`,
                'content-type': 'multipart/form-data; boundary=x',
                'content-length': String(declared),
              },
            },
            (res) => {
              answered = true;
              const status = res.statusCode ?? 0;
              res.resume();
              resolve({ status, sentBeforeAnswer: sent, ms: Date.now() - t0 });
              req.destroy();
            },
          );
          req.on('error', (err) => (answered ? undefined : reject(err)));
          const pump = () => {
            while (!answered && sent < declared) {
              const piece = chunk.subarray(0, Math.min(chunk.length, declared - sent));
              sent += piece.length;
              if (!req.write(piece)) return void req.once('drain', pump);
            }
            if (!answered) req.end();
          };
          pump();
        },
      );
      t.diagnostic(
        `413 after ${outcome.ms} ms, ${(outcome.sentBeforeAnswer / 1024 / 1024).toFixed(1)} MiB written by the client by then`,
      );
      assert.equal(outcome.status, 413);
      assert.ok(
        outcome.sentBeforeAnswer < 20 * 1024 * 1024,
        `${outcome.sentBeforeAnswer} bytes went out before the refusal`,
      );
      assert.ok(outcome.ms < 5_000, `refused after ${outcome.ms} ms`);
    });

    test('a streamed 51 MB upload (no length given) is cut at 50 MB without the gateway holding it in memory', async (t) => {
      const base = gateway;
      const port = Number(new URL(base).port);
      const gw =
        lease.cluster.processes.find((p) => p.app === 'gateway' && p.httpPort === port) ??
        lease.cluster.processes.find((p) => p.app === 'gateway')!;
      const pdfHead = await readFile(corpusFile('standard_fonts.pdf'));
      const total = MAX_UPLOAD_BYTES + 1_000_000;

      /** Streams a multipart body of `total` file bytes; answers the status, code and the gateway's RSS growth (MB) meanwhile. */
      async function streamOnce(): Promise<{
        status: number;
        code: string | undefined;
        grewMb: number;
        ms: number;
      }> {
        const boundary = `----sec${randomBytes(6).toString('hex')}`;
        let produced = 0;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(
              Buffer.from(
                `--${boundary}\r\nContent-Disposition: form-data; name="targetLanguage"\r\n\r\nde\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
              ),
            );
            controller.enqueue(new Uint8Array(pdfHead));
            produced = pdfHead.length;
          },
          async pull(controller) {
            // About 200 MB/s: faster than most clients, slow enough that memory reflects what the gateway holds, not garbage awaiting collection.
            if (produced % (4 * 1024 * 1024) < 256 * 1024)
              await new Promise((r) => setTimeout(r, 5));
            if (produced >= total) {
              controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
              controller.close();
              return;
            }
            const n = Math.min(256 * 1024, total - produced);
            produced += n;
            controller.enqueue(new Uint8Array(n));
          },
        });
        const before = await rssKb(gw.pid);
        let peak = before;
        const sampler = setInterval(
          () =>
            void rssKb(gw.pid).then(
              (kb) => (peak = Math.max(peak, kb)),
              () => undefined,
            ),
          20,
        );
        const t0 = Date.now();
        try {
          const res = await fetch(`${base}/v1/documents`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${owner.token!}`,
              'content-type': `multipart/form-data; boundary=${boundary}`,
            },
            body,
            duplex: 'half',
          } as RequestInit);
          const code = ((await res.json()) as { code?: string }).code;
          return { status: res.status, code, grewMb: (peak - before) / 1024, ms: Date.now() - t0 };
        } finally {
          clearInterval(sampler);
        }
      }

      // The first large stream also pays for one-off allocations (parser, storage client pools):
      // the second shows what each upload costs.
      const first = await streamOnce();
      const second = await streamOnce();
      for (const run of [first, second]) {
        assert.equal(run.status, 413);
        assert.equal(run.code, 'FILE_TOO_LARGE');
        assert.ok(run.ms < 60_000);
      }
      t.diagnostic(
        `gateway RSS growth: ${first.grewMb.toFixed(1)} MB (first stream), ${second.grewMb.toFixed(1)} MB (second); refused after ${first.ms} ms and ${second.ms} ms`,
      );
      // A coarse bound: the process's resident memory also holds up to 15 MiB of storage parts (by
      // design) and the 64 KiB chunks and 5 MiB parts already dropped but not yet collected (V8 collects
      // external memory lazily, about every 64 MB allocated), which alone measured 40 to 55 MB here. A
      // gateway that kept the 50 MB it read would need that much on top.
      assert.ok(
        Number.isFinite(second.grewMb) && second.grewMb < 90,
        `the gateway grew by ${first.grewMb.toFixed(1)} MB, then ${second.grewMb.toFixed(1)} MB, while receiving 51 MB`,
      );
    });

    test('a PDF password is kept encrypted only while the job runs; file names never reach storage keys', async () => {
      const url = lease.cluster.env.DATABASE_URL;
      if (lease.cluster.target === 'cluster' && url) {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const { rows } = await client.query<{ password_secret: string | null; state: string }>(
            'SELECT password_secret, state FROM ingestion.jobs WHERE id = $1',
            [ids.job],
          );
          assert.equal(rows[0]?.state, 'completed');
          assert.equal(rows[0]?.password_secret, null, 'wiped when the job ended');
        } finally {
          await client.end();
        }
      }
      const pdf = await readFile(corpusFile('standard_fonts.pdf'));
      const upload = await owner.uploadBytes(
        new Blob([pdf], { type: 'application/pdf' }),
        '../../../etc/passwd\u0000.pdf',
        { outputs: 'md' },
      );
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const done = await owner.waitFinished(upload.body.id);
      assert.equal(done.state, 'completed');
      const result = await owner.result(upload.body.id, 'md');
      assert.equal(result.status, 200);
      const disposition = result.headers.get('content-disposition') ?? '';
      assert.doesNotMatch(
        disposition.replace(/filename\*=[^;]+/, ''),
        /\.\.\/|\/etc\//,
        disposition,
      );
    });

    test('a file that is not a PDF is refused with 415', async () => {
      const res = await owner.uploadFile(corpusFile('not-a-pdf.pdf'));
      assert.equal(res.status, 415);
      assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
      const html = await owner.uploadBytes(
        new Blob(['<html><script>alert(1)</script></html>'], { type: 'application/pdf' }),
        'x.pdf',
      );
      assert.equal(html.status, 415);
    });

    test('CORS: the configured origin only, never *, never with credentials; a foreign origin gets no CORS headers', async () => {
      const allowed = lease.cluster.env.CORS_ORIGINS?.split(',')[0];
      const foreign = 'https://evil.example';
      for (const method of ['GET', 'OPTIONS']) {
        const headers: Record<string, string> = { origin: foreign };
        if (method === 'OPTIONS')
          Object.assign(headers, {
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization',
          });
        const res = await probe(gateway, method, '/v1/languages', headers);
        assert.equal(
          res.headers.get('access-control-allow-origin'),
          null,
          `${method} from a foreign origin`,
        );
        assert.equal(res.headers.get('access-control-allow-credentials'), null);
      }
      if (allowed) {
        const pre = await probe(gateway, 'OPTIONS', '/v1/documents', {
          origin: allowed,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        });
        assert.equal(pre.headers.get('access-control-allow-origin'), allowed);
        assert.equal(pre.headers.get('access-control-allow-credentials'), null);
        const get = await probe(gateway, 'GET', '/v1/languages', { origin: allowed });
        assert.equal(get.headers.get('access-control-allow-origin'), allowed);
        assert.match(get.headers.get('access-control-expose-headers') ?? '', /ratelimit-remaining/);
      }
    });

    test('security headers and a request id on every kind of response, errors included; errors leak no internals', async () => {
      const responses: [string, Probe][] = [
        ['200', await probe(gateway, 'GET', '/v1/languages')],
        ['401', await probe(gateway, 'GET', '/v1/jobs')],
        ['404 route', await probe(gateway, 'GET', '/v1/no-such-route/../../etc/passwd')],
        [
          '404 job',
          await probe(gateway, 'GET', `/v1/jobs/${randomUUID()}`, {
            authorization: `Bearer ${owner.token!}`,
          }),
        ],
        [
          '400 bad JSON',
          await probe(
            gateway,
            'POST',
            '/v1/auth/login',
            { 'content-type': 'application/json' },
            '{"email":',
          ),
        ],
        [
          '413 JSON',
          await probe(
            gateway,
            'POST',
            '/v1/auth/login',
            { 'content-type': 'application/json' },
            JSON.stringify({ email: 'a@b.c', password: 'p'.repeat(1_100_000) }),
          ),
        ],
        [
          '415 body type',
          await probe(
            gateway,
            'POST',
            '/v1/auth/login',
            { 'content-type': 'application/x-evil' },
            'x',
          ),
        ],
        [
          '400 bad id',
          await probe(gateway, 'GET', "/v1/jobs/'%20OR%201=1--", {
            authorization: `Bearer ${owner.token!}`,
          }),
        ],
        ['400 malformed URL', await probe(gateway, 'GET', '/v1/jobs/%zz')],
        ['404 method', await probe(gateway, 'PATCH', '/v1/jobs')],
        ['docs', await probe(gateway, 'GET', '/docs')],
      ];
      for (const [name, res] of responses) {
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', name);
        assert.equal(res.headers.get('x-frame-options'), 'DENY', name);
        assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, name);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/, name);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', name);
        assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._:-]{8,128}$/, name);
        if (res.status >= 400) {
          assert.equal(res.headers.get('content-type'), 'application/problem+json', name);
          const problem = JSON.parse(res.body) as Record<string, unknown>;
          assert.equal(problem.requestId, res.headers.get('x-request-id'), name);
          assert.ok(!('stack' in problem), name);
          assert.doesNotMatch(
            res.body,
            /node_modules|\/src\/|\.js:\d+|\bat [A-Za-z.]+ \(|SELECT |INSERT |postgres|redis:\/\//i,
            `${name}: ${res.body}`,
          );
        }
      }
    });

    test('reset and verification links never reach the log: they go to a 0600 file in the data folder, and the log says where', async () => {
      const dataDir = lease.cluster.env.DOCAT_DATA_DIR!;
      const outbox = join(dataDir, 'mail', 'outbox.jsonl');
      const reset = await probe(
        gateway,
        'POST',
        '/v1/auth/password-reset',
        { 'content-type': 'application/json' },
        JSON.stringify({ email: ownerEmail }),
      );
      assert.ok(reset.status === 200 || reset.status === 202, `${reset.status} ${reset.body}`);
      const mails = async () =>
        (await readFile(outbox, 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { to: string; purpose: string; link: string });
      let link: string | undefined;
      for (let i = 0; i < 50 && !link; i++) {
        link = (await mails())
          .filter((m) => m.to === ownerEmail && m.purpose === 'password_reset')
          .at(-1)?.link;
        if (!link) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(link, 'the reset link is in the outbox');
      const token = new URL(link).searchParams.get('token')!;
      assert.ok(token.length >= 32);
      secrets.set('password reset token', token);
      const verification = (await mails()).find(
        (m) => m.to === ownerEmail && m.purpose === 'email_verification',
      );
      assert.ok(verification, 'the verification link of registration is there too');
      secrets.set(
        'email verification token',
        new URL(verification.link).searchParams.get('token')!,
      );
      assert.equal(
        (await stat(outbox)).mode & 0o777,
        0o600,
        'the outbox is readable by the service user only',
      );
      assert.equal((await stat(join(dataDir, 'mail'))).mode & 0o777, 0o700);
      assert.ok(
        (await findInLogs(lease.cluster, 'auth', 'outbox.jsonl')).length > 0,
        'the log names the file',
      );
      // The log check below (no secret reaches any process log) covers both tokens.
    });

    test('registration answers 202 for a new and a taken address alike, in comparable time; the owner of the taken one gets a mail', async (t) => {
      const register = async (email: string) => {
        const t0 = performance.now();
        const res = await probe(
          gateway,
          'POST',
          '/v1/auth/register',
          { 'content-type': 'application/json' },
          JSON.stringify({ email, password: `pw-${randomBytes(8).toString('hex')}` }),
        );
        return { res, ms: performance.now() - t0 };
      };
      await register(ownerEmail); // warm both paths
      const fresh: number[] = [];
      const taken: number[] = [];
      for (let i = 0; i < 6; i++) {
        const a = await register(
          `enum-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`,
        );
        const b = await register(ownerEmail);
        assert.equal(a.res.status, 202);
        assert.equal(b.res.status, 202, `a taken address: ${b.res.body}`);
        assert.equal(b.res.body, a.res.body, 'the same answer');
        fresh.push(a.ms);
        taken.push(b.ms);
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      const ratio = median(taken) / median(fresh);
      t.diagnostic(
        `median ${median(fresh).toFixed(1)} ms for a new address, ${median(taken).toFixed(1)} ms for a taken one (ratio ${ratio.toFixed(2)})`,
      );
      assert.ok(
        ratio > 0.5 && ratio < 2,
        `median ${median(taken).toFixed(1)} ms for a taken address against ${median(fresh).toFixed(1)} ms for a new one`,
      );
      const outbox = join(lease.cluster.env.DOCAT_DATA_DIR!, 'mail', 'outbox.jsonl');
      let notice: string | undefined;
      for (let i = 0; i < 50 && !notice; i++) {
        notice = (await readFile(outbox, 'utf8').catch(() => ''))
          .split('\n')
          .find((l) => l.includes('"registration_attempt"') && l.includes(ownerEmail));
        if (!notice) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(notice, 'the owner was told someone tried to register the address');
      // The owner's password was not touched.
      assert.equal((await login(ownerEmail, password)).status, 200);
    });

    test('fuzz: random ids in every path and random cursors on every list route never answer 5xx; malformed ids are 400', async () => {
      const adminLogin = await login(E2E_ADMIN.email, E2E_ADMIN.password);
      assert.equal(adminLogin.status, 200);
      const adminToken = (JSON.parse(adminLogin.body) as TokenPair).accessToken;
      const garbage = [
        'x',
        "1' OR '1'='1",
        '..%2F..%2Fetc%2Fpasswd',
        '%00',
        'ffffffff-ffff-ffff-ffff-fffffffffffff',
        '0'.repeat(300),
        encodeURIComponent('😀'),
        randomBytes(12).toString('base64url'),
      ];
      const failures: string[] = [];
      const check = async (method: string, path: string, token: string, body?: string) => {
        const res = await probe(
          gateway,
          method,
          path,
          {
            authorization: `Bearer ${token}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body,
        );
        if (res.status >= 500)
          failures.push(`${method} ${path} -> ${res.status} ${res.body.slice(0, 200)}`);
        return res;
      };
      for (const route of gatewayRoutes()) {
        if (!route.path.includes(':')) continue;
        const token = ROUTES[keyOf(route)]!.kind === 'admin' ? adminToken : stranger.token!;
        for (const value of garbage) {
          const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
            name === 'name' ? 'extract' : value,
          );
          const res = await check(
            route.method,
            path,
            token,
            route.method === 'POST' ? '{}' : undefined,
          );
          const namesAnId = /:(?!name\b)[A-Za-z]+/.test(route.path);
          if (namesAnId && route.method === 'GET' && res.status !== 400 && res.status !== 404)
            failures.push(`${route.method} ${path} -> ${res.status}, expected 400`);
        }
      }
      const cursors = [
        ...garbage,
        encodeJobCursor({ createdAt: new Date().toISOString(), id: "1' OR '1'='1" }),
        encodeJobCursor({ createdAt: new Date().toISOString(), id: 'not-a-uuid' }),
        encodeJobCursor({ createdAt: 'yesterday', id: randomUUID() }),
        Buffer.from(`${new Date().toISOString()}|${randomUUID()}|extra`).toString('base64url'),
      ];
      const lists: [string, string][] = [
        ['/v1/jobs', stranger.token!],
        ['/v1/admin/users', adminToken],
        ['/v1/glossaries', stranger.token!],
        ['/v1/webhooks', stranger.token!],
        ['/v1/sessions', stranger.token!],
        ['/v1/api-keys', stranger.token!],
        ['/v1/admin/queues/extract/failed', adminToken],
      ];
      for (const [list, token] of lists) {
        for (const cursor of cursors) {
          for (const query of [
            `cursor=${encodeURIComponent(cursor)}`,
            `limit=${encodeURIComponent(cursor)}`,
            `offset=${encodeURIComponent(cursor)}&state=${encodeURIComponent(cursor)}`,
          ])
            await check('GET', `${list}?${query}`, token);
        }
      }
      const forged = await check(
        'GET',
        `/v1/jobs?cursor=${encodeJobCursor({ createdAt: new Date().toISOString(), id: 'not-a-uuid' })}`,
        stranger.token!,
      );
      assert.equal(forged.status, 400);
      assert.equal(codeOf(forged), 'VALIDATION_FAILED');
      const badId = await check('GET', '/v1/jobs/not-a-uuid', stranger.token!);
      assert.equal(codeOf(badId), 'VALIDATION_FAILED');
      assert.deepEqual(failures, []);
    });

    test('webhook endpoints stop at 10 per account with 422 LIMIT_REACHED', async () => {
      const url = `http://[::1]:${(receiver.address() as AddressInfo).port}/limit`;
      const listed = await owner.request<{ items: { id: string }[] }>('GET', '/v1/webhooks');
      const made: string[] = [];
      try {
        for (let i = listed.body.items.length; i < 10; i++) {
          const res = await owner.request<{ id: string }>('POST', '/v1/webhooks', {
            json: { url },
          });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          made.push(res.body.id);
        }
        const refused = await owner.request<{ code: string }>('POST', '/v1/webhooks', {
          json: { url },
        });
        assert.equal(refused.status, 422);
        assert.equal(refused.body.code, 'LIMIT_REACHED');
      } finally {
        for (const id of made) await owner.request('DELETE', `/v1/webhooks/${id}`);
      }
    });

    test('active content is removed from the translated and bilingual PDFs; links stay', async () => {
      const source = armedPdf();
      assert.deepEqual(activeContentIn(source).length, 8, 'the fixture carries every kind');
      const upload = await owner.uploadBytes(
        new Blob([source], { type: 'application/pdf' }),
        'armed.pdf',
        { outputs: 'pdf,dual' },
      );
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const done = await owner.waitFinished(upload.body.id);
      assert.equal(done.state, 'completed', JSON.stringify(done.error));
      for (const format of ['pdf', 'dual']) {
        const res = await fetch(`${gateway}/v1/jobs/${upload.body.id}/result?format=${format}`, {
          headers: { authorization: `Bearer ${owner.token!}` },
        });
        assert.equal(res.status, 200, format);
        const pdf = Buffer.from(await res.arrayBuffer());
        assert.ok(pdf.subarray(0, 5).toString() === '%PDF-', format);
        assert.deepEqual(activeContentIn(pdf), [], `${format} keeps active content`);
        if (format === 'pdf')
          assert.ok(
            pdf.toString('latin1').includes('https://example.org/kept'),
            'the URI link stays',
          );
      }
    });

    test('event streams: at most 10 per account on a gateway (429 with Retry-After); a stream ends when its session is signed out', async () => {
      interface Stream {
        status: number;
        ended: boolean;
        close(): void;
        done: Promise<void>;
      }
      const open = async (jobId: string, token: string): Promise<Stream> => {
        const abort = new AbortController();
        const res = await fetch(`${gateway}/v1/jobs/${jobId}/events`, {
          headers: { authorization: `Bearer ${token}` },
          signal: abort.signal,
        });
        const stream: Stream = {
          status: res.status,
          ended: false,
          close: () => abort.abort(),
          done: Promise.resolve(),
        };
        if (res.status !== 200 || !res.body) {
          await res.text().catch(() => undefined);
          stream.ended = true;
          return stream;
        }
        const reader = res.body.getReader();
        stream.done = (async () => {
          try {
            while (!(await reader.read()).done);
          } catch {
            // Aborted by the test.
          }
          stream.ended = true;
        })();
        return stream;
      };
      let checked = false;
      // A long document keeps its job running while the streams are opened; a machine fast
      // enough to finish it first gets another try.
      for (let attempt = 0; attempt < 3 && !checked; attempt++) {
        const user = new DocatApi([gateway]);
        const { email, password: userPassword } = await user.registerFresh();
        const upload = await user.uploadFile(corpusFile('tracemonkey.pdf'), {
          outputs: 'pdf,dual,md',
        });
        assert.equal(upload.status, 202, JSON.stringify(upload.body));
        const jobId = upload.body.id;
        const streams = await Promise.all(
          Array.from({ length: 10 }, () => open(jobId, user.token!)),
        );
        try {
          assert.ok(
            streams.every((x) => x.status === 200),
            streams.map((x) => x.status).join(','),
          );
          const eleventh = await probe(gateway, 'GET', `/v1/jobs/${jobId}/events`, {
            authorization: `Bearer ${user.token!}`,
          });
          if (streams.some((x) => x.ended)) continue; // the job ended first: inconclusive
          assert.equal(
            eleventh.status,
            429,
            `the 11th stream: ${eleventh.status} ${eleventh.body}`,
          );
          assert.equal(codeOf(eleventh), 'RATE_LIMITED');
          assert.ok(Number(eleventh.headers.get('retry-after')) > 0);

          // A second session's stream ends when that session is signed out, before the job ends.
          streams.pop()!.close();
          const other = JSON.parse(
            (await login(email, userPassword)).body || '{}',
          ) as Partial<TokenPair>;
          if (!other.accessToken) throw new Error('second login failed');
          const onOther = await open(jobId, other.accessToken);
          assert.equal(onOther.status, 200);
          const sid = String(jwtParts(other.accessToken).payload.sid);
          const revoked = await probe(gateway, 'DELETE', `/v1/sessions/${sid}`, {
            authorization: `Bearer ${user.token!}`,
          });
          assert.equal(revoked.status, 204);
          const t0 = Date.now();
          while (!onOther.ended && Date.now() - t0 < 5_000)
            await new Promise((r) => setTimeout(r, 50));
          const state = (await user.job(jobId)).body.state;
          if (!onOther.ended && TERMINAL_STATES.has(state)) continue;
          if (TERMINAL_STATES.has(state) && streams.some((x) => x.ended)) continue; // ended with the job: inconclusive
          assert.ok(
            onOther.ended,
            `the signed-out session's stream is still open after ${Date.now() - t0} ms`,
          );
          assert.ok(
            streams.every((x) => !x.ended) || TERMINAL_STATES.has(state),
            "the other session's streams go on",
          );
          checked = true;
        } finally {
          for (const x of streams) x.close();
          await user.cancel(jobId).catch(() => undefined);
        }
      }
      assert.ok(checked, 'the job ended before the streams could be checked, three times');
    });

    test('files at rest are private, and /metrics is not on the public port', async () => {
      const dataDir = lease.cluster.env.DOCAT_DATA_DIR!;
      assert.equal(
        (await stat(dataDir)).mode & 0o076,
        0,
        `data folder mode ${((await stat(dataDir)).mode & 0o777).toString(8)}`,
      );
      if (lease.cluster.target === 'standalone') {
        const files: string[] = [];
        const loose: string[] = [];
        const walk = async (dir: string): Promise<void> => {
          if (((await stat(dir)).mode & 0o777) !== 0o700)
            loose.push(`${dir} ${((await stat(dir)).mode & 0o777).toString(8)}`);
          for (const entry of await readdir(dir, { withFileTypes: true })) {
            const path = join(dir, entry.name);
            if (entry.isDirectory()) await walk(path);
            else {
              files.push(path);
              if (((await stat(path)).mode & 0o777) !== 0o600)
                loose.push(`${path} ${((await stat(path)).mode & 0o777).toString(8)}`);
            }
          }
        };
        await walk(join(dataDir, 'objects'));
        assert.ok(files.length > 3, 'uploads and results are on disk');
        assert.deepEqual(loose, []);
      }
      for (const base of lease.cluster.gateways)
        assert.equal((await probe(base, 'GET', '/metrics')).status, 404, `${base}/metrics`);
      const management = lease.cluster.processes.find((p) => p.app === 'gateway')!.managementPort;
      assert.equal(
        (await fetch(`http://127.0.0.1:${management}/metrics`)).status,
        200,
        'served on the management port',
      );
    });

    test('no secret reaches any process log', async () => {
      assert.ok(secrets.size >= 8, [...secrets.keys()].join(', '));
      const apps = [...new Set(lease.cluster.processes.map((p) => p.app))];
      const leaks: string[] = [];
      for (const [name, value] of secrets) {
        for (const app of apps) {
          const hits = await findInLogs(lease.cluster, app, value);
          if (hits.length > 0) leaks.push(`${name} in ${app}: ${hits[0]!.line.slice(0, 200)}`);
        }
      }
      assert.deepEqual(leaks, []);
      // The search works: the owner's email (not a secret) is found in the logs, or at least the request ids are.
      const anyLine = await findInLogs(lease.cluster, 'gateway', '"level"');
      assert.ok(anyLine.length > 0, 'the gateway logs were read');
    });
  },
);
