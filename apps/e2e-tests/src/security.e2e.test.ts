import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayModule } from '@docat/gateway';
import { ACCESS_TOKEN, MAX_UPLOAD_BYTES, type TokenPair } from '@docat/contracts';
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

const corpus = requireCorpus('standard_fonts.pdf', 'not-a-pdf.pdf');

// ---------------------------------------------------------------------------------------
// The route table, read from the gateway's own controllers (Nest's route metadata), so a
// route added to the gateway fails this suite until it is classified below.
// ---------------------------------------------------------------------------------------

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'] as const;

interface Route {
  method: string;
  path: string;
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
        for (const b of [base ?? ''].flat()) {
          for (const p of [path].flat()) {
            const full = `/${[b, p].filter((s) => s && s !== '/').join('/')}`.replace(/\/+/g, '/');
            routes.push({ method: METHODS[method] ?? String(method), path: full });
          }
        }
      }
      proto = Object.getPrototypeOf(proto) as object;
    }
  }
  return routes;
}

type Resource = 'job' | 'glossary' | 'webhook' | 'delivery' | 'session' | 'apiKey' | 'user' | 'queue' | 'queueJob';

/**
 * How each route is protected:
 * - public: no credential needed;
 * - self: a credential needed, and the route only ever acts on the caller's own data;
 * - owned: the path names a resource; another user's id must answer 404;
 * - admin: a non-admin gets 403 (or 404), never the resource.
 */
type Access = { kind: 'public' } | { kind: 'self' } | { kind: 'owned'; params: Record<string, Resource>; query?: string } | { kind: 'admin'; params?: Record<string, Resource> };

const PUBLIC: Access = { kind: 'public' };
const SELF: Access = { kind: 'self' };
const owned = (params: Record<string, Resource>, query?: string): Access => ({ kind: 'owned', params, ...(query ? { query } : {}) });
const admin = (params?: Record<string, Resource>): Access => ({ kind: 'admin', ...(params ? { params } : {}) });

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
  'POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver': owned({ id: 'webhook', deliveryId: 'delivery' }),
  'POST /v1/glossaries': SELF,
  'GET /v1/glossaries': SELF,
  'GET /v1/glossaries/:id': owned({ id: 'glossary' }),
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
async function probe(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Probe> {
  const abort = new AbortController();
  const res = await fetch(base + path, { method, headers, redirect: 'manual', signal: abort.signal, ...(body !== undefined ? { body } : {}) });
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

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

function jwtParts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
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
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) => Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN));
}

// ---------------------------------------------------------------------------------------

describe('security: the attacks a public API meets, through the gateway', { skip: corpus.skip }, () => {
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

  async function login(email: string, pass: string, base = gateway, headers: Record<string, string> = {}): Promise<Probe> {
    return probe(base, 'POST', '/v1/auth/login', { 'content-type': 'application/json', ...headers }, JSON.stringify({ email, password: pass }));
  }

  before(async () => {
    lease = await useCluster();
    gateway = lease.cluster.gateways[0]!;
    owner = new DocatApi(lease.cluster.gateways);
    stranger = new DocatApi(lease.cluster.gateways);
    await stranger.registerFresh();

    ownerEmail = `sec-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
    const reg = await owner.request('POST', '/v1/auth/register', { json: { email: ownerEmail, password }, auth: false });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const logged = await owner.request<TokenPair>('POST', '/v1/auth/login', { json: { email: ownerEmail, password }, auth: false });
    assert.equal(logged.status, 200);
    ownerPair = logged.body;
    owner.token = ownerPair.accessToken;
    secrets.set('password', password);
    secrets.set('access token', ownerPair.accessToken);
    secrets.set('refresh token', ownerPair.refreshToken);
    if (lease.cluster.env.DOCAT_ENCRYPTION_KEY) secrets.set('encryption key', lease.cluster.env.DOCAT_ENCRYPTION_KEY);
    if (lease.cluster.env.S3_SECRET_ACCESS_KEY) secrets.set('S3 secret', lease.cluster.env.S3_SECRET_ACCESS_KEY);
    if (lease.cluster.env.DOCAT_ADMIN_PASSWORD) secrets.set('admin password', lease.cluster.env.DOCAT_ADMIN_PASSWORD);

    // One resource of every kind, owned by `owner`.
    const me = await owner.request<{ id: string }>('GET', '/v1/me');
    ids.user = me.body.id;
    const pdfPassword = `pdfpw-${randomBytes(8).toString('hex')}`;
    secrets.set('PDF password', pdfPassword);
    await new Promise<void>((resolve) => receiver.listen(0, '::1', resolve));
    const hookUrl = `http://[::1]:${(receiver.address() as AddressInfo).port}/docat`;
    const webhook = await owner.request<{ id: string; secret?: string }>('POST', '/v1/webhooks', { json: { url: hookUrl } });
    assert.equal(webhook.status, 201, `webhook endpoint: ${JSON.stringify(webhook.body)}`);
    ids.webhook = webhook.body.id;
    if (webhook.body.secret) secrets.set('webhook secret', webhook.body.secret);
    const upload = await owner.uploadFile(corpusFile('standard_fonts.pdf'), { outputs: 'md', password: pdfPassword });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    ids.job = upload.body.id;
    const job = await owner.waitFinished(upload.body.id);
    assert.equal(job.state, 'completed', JSON.stringify(job.error));
    const glossary = await owner.request<{ id: string }>('POST', '/v1/glossaries', { json: { sourceLanguage: 'en', targetLanguage: 'de', csv: 'cat,Katze\n' } });
    assert.equal(glossary.status, 201, JSON.stringify(glossary.body));
    ids.glossary = glossary.body.id;
    const sessions = await owner.request<{ items: { id: string }[] }>('GET', '/v1/sessions');
    ids.session = sessions.body.items[0]!.id;
    const key = await owner.request<{ id: string; key: string }>('POST', '/v1/api-keys', { json: { name: 'security suite' } });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    ids.apiKey = key.body.id;
    secrets.set('API key', key.body.key);
    // A delivery of the account webhook for the finished job, if the notifier has made one yet.
    const deadline = Date.now() + 5_000;
    while (!ids.delivery && Date.now() < deadline) {
      const deliveries = await owner.request<{ items: { id: string }[] }>('GET', `/v1/webhooks/${ids.webhook}/deliveries`);
      ids.delivery = deliveries.body.items?.[0]?.id;
      if (!ids.delivery) await new Promise((r) => setTimeout(r, 250));
    }
    ids.delivery ??= randomUUID();
    ids.queue = 'extract';
    ids.queueJob = randomUUID();
  });
  after(async () => {
    // The receiver goes away: stop the notifier retrying to it.
    if (ids.webhook) await owner.request('DELETE', `/v1/webhooks/${ids.webhook}`).catch(() => undefined);
    receiver.close();
    await lease?.release();
  });

  test('every gateway route is classified, and every classified route exists', () => {
    const routes = gatewayRoutes();
    assert.ok(routes.length >= 30, `only ${routes.length} routes found: the route table was not read`);
    const unclassified = routes.map(keyOf).filter((k) => !Object.hasOwn(ROUTES, k));
    assert.deepEqual(unclassified, [], 'classify new routes in ROUTES (public, self, owned or admin)');
    const known = new Set(routes.map(keyOf));
    assert.deepEqual(Object.keys(ROUTES).filter((k) => !known.has(k)), [], 'routes listed here but gone from the gateway');
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
      assert.equal(res.status, 401, `${keyOf(route)} without credentials: ${res.status} ${res.body}`);
      assert.equal(codeOf(res), 'UNAUTHENTICATED');
      const garbage = await probe(gateway, route.method, path, { authorization: 'Bearer not.a.token' });
      assert.equal(garbage.status, 401, `${keyOf(route)} with a garbage token`);
    }
  });

  test('IDOR: another user gets 404 on every route naming a resource, and the owner still has it', async () => {
    const bearer = (api: DocatApi, json = false): Record<string, string> => ({ authorization: `Bearer ${api.token!}`, ...(json ? { 'content-type': 'application/json' } : {}) });
    const tried: string[] = [];
    for (const route of gatewayRoutes()) {
      const access = ROUTES[keyOf(route)]!;
      if (access.kind !== 'owned' && access.kind !== 'admin') continue;
      const params = access.params ?? {};
      const path = fillPath(route.path, (name) => ids[params[name]!]!) + (access.kind === 'owned' && access.query ? `?${access.query}` : '');
      const body = route.method === 'POST' ? (route.path.endsWith('/plan') ? JSON.stringify({ plan: 'pro' }) : '{}') : undefined;
      const res = await probe(gateway, route.method, path, bearer(stranger, body !== undefined), body);
      tried.push(`${route.method} ${path} -> ${res.status}`);
      if (access.kind === 'owned') {
        assert.equal(res.status, 404, `${keyOf(route)} as a stranger answered ${res.status}: ${res.body}`);
        assert.equal(codeOf(res), 'NOT_FOUND');
        assert.equal(res.headers.get('location'), null);
        if (route.method === 'GET') {
          const mine = await probe(gateway, route.method, path, bearer(owner));
          const missingDelivery = route.path.includes(':deliveryId');
          if (!missingDelivery) assert.ok(mine.status < 400, `${keyOf(route)} as the owner answered ${mine.status}: ${mine.body}`);
        }
      } else {
        assert.ok(res.status === 403 || res.status === 404, `${keyOf(route)} as a non-admin answered ${res.status}: ${res.body}`);
      }
    }
    assert.ok(tried.length >= 15, tried.join('\n'));
    // Nothing the stranger did changed the owner's data.
    assert.equal((await owner.job(ids.job!)).body.state, 'completed');
    assert.equal((await owner.request('GET', `/v1/glossaries/${ids.glossary}`)).status, 200);
    const hooks = await owner.request<{ items: { id: string }[] }>('GET', '/v1/webhooks');
    assert.ok(hooks.body.items.some((h) => h.id === ids.webhook));
    assert.equal((await owner.request('GET', '/v1/me', { auth: false, headers: { 'x-api-key': secrets.get('API key')! } })).status, 200);
    const refreshed = await probe(gateway, 'POST', '/v1/auth/refresh', { 'content-type': 'application/json' }, JSON.stringify({ refreshToken: ownerPair.refreshToken }));
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
    const genuine = await probe(gateway, 'GET', '/v1/me', { authorization: `Bearer ${owner.token!}` });
    assert.equal(genuine.status, 200, 'the genuine token works');

    const forged: Record<string, string> = {
      tampered: `${b64url(real.header)}.${b64url(claims)}.${real.signature}`,
      'alg none, empty signature': `${b64url({ ...header, alg: 'none' })}.${b64url(claims)}.`,
      'alg none, any signature': `${b64url({ ...header, alg: 'none' })}.${b64url(claims)}.${b64url(Buffer.from('x'))}`,
      'signed by another key under the real kid': signEd25519(header, claims, other),
      'signed by another key under an unknown kid': signEd25519({ ...header, kid: 'attacker-key' }, claims, other),
      'no kid': signEd25519({ alg: ACCESS_TOKEN.algorithm, typ: ACCESS_TOKEN.type }, claims, other),
    };
    const key = await realSigningKey(kid);
    // Algorithm confusion: an HMAC keyed with the public key (its JWK x, or the kid when the key is not at hand).
    const publicX = key ? String(createPublicKey(key).export({ format: 'jwk' }).x) : kid;
    for (const secret of [publicX, Buffer.from(publicX, 'base64url').toString('latin1')]) {
      const input = `${b64url({ ...header, alg: 'HS256' })}.${b64url(claims)}`;
      forged[`HS256 keyed with the public key (${secret.length} chars)`] = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    }
    if (key) {
      forged['expired (real key)'] = signEd25519(header, { ...real.payload, iat: now - 3600, exp: now - 1800 }, key);
      forged['wrong audience (real key)'] = signEd25519(header, { ...real.payload, aud: 'someone-else' }, key);
      // The control: the same forging path with valid claims is accepted, so the refusals above are about the claims.
      const control = await probe(gateway, 'GET', '/v1/me', { authorization: `Bearer ${signEd25519(header, { ...real.payload, exp: now + 300 }, key)}` });
      assert.equal(control.status, 200, `a well-formed token signed with the real key: ${control.body}`);
    }
    for (const [name, token] of Object.entries(forged)) {
      for (const base of lease.cluster.gateways) {
        const res = await probe(base, 'GET', '/v1/me', { authorization: `Bearer ${token}` });
        assert.equal(res.status, 401, `${name}: ${res.status} ${res.body}`);
        assert.ok(['TOKEN_INVALID', 'UNAUTHENTICATED'].includes(codeOf(res) ?? ''), `${name}: ${res.body}`);
      }
    }
    if (!key) assert.equal(lease.cluster.target, 'standalone', 'the real key is read in cluster mode');
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
      const { rows } = await client.query<{ private_key_secret: string }>('SELECT private_key_secret FROM auth.signing_keys WHERE kid = $1', [kid]);
      if (!rows[0]) return null;
      const pem = decryptSecret(createKeyring(material), rows[0].private_key_secret, `auth.signing_keys:${kid}`);
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
      const res = await login(email, `guess-${i}`, lease.cluster.gateways[i % lease.cluster.gateways.length]);
      statuses.push(res.status);
      if (res.status === 423 || res.status === 429) locked = res;
      else assert.equal(codeOf(res), 'INVALID_CREDENTIALS');
    }
    assert.ok(locked, `no lockout after ${statuses.length} failed logins`);
    assert.equal(statuses.filter((s) => s === 401).length, 10, 'LOGIN_LOCKOUT default: 10 failures');
    assert.equal(codeOf(locked), 'ACCOUNT_LOCKED');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    // The right password does not get through while locked, on any replica.
    const { body } = await victim.request<{ email: string }>('GET', '/v1/me');
    assert.equal(body.email, email);
    for (const base of lease.cluster.gateways) {
      const res = await probe(base, 'POST', '/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ email, password: 'whatever-it-is' }));
      assert.equal(res.status, 423);
    }
  });

  test('rate-limit headers on limited routes, with the configured limits', async () => {
    const jobs = await probe(gateway, 'GET', '/v1/jobs', { authorization: `Bearer ${owner.token!}` });
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

  test('the shipped default limits, live on a gateway replica without overrides (shared Redis window)', { skip: clusterOnly() }, async () => {
    const env: Record<string, string> = { ...lease.cluster.env };
    for (const name of ['RATE_LIMIT_PDF_UPLOAD', 'RATE_LIMIT_API_GENERAL', 'RATE_LIMIT_AUTH_LOGIN', 'RATE_LIMIT_PASSWORD_RESET']) delete env[name];
    // Per-address counts live in the shared Redis too: this replica believes X-Forwarded-For from
    // the test, so its client address is one no other test used.
    env.TRUSTED_PROXIES = '127.0.0.1,::1';
    const client = { 'x-forwarded-for': `198.51.100.${10 + Math.floor(Math.random() * 200)}` };
    const proc: RunningProcess = await spawnService('gateway', 900 + Math.floor(Math.random() * 90), env, lease.cluster.logDir);
    try {
      await waitReady(proc, 60_000);
      const base = `http://127.0.0.1:${proc.httpPort!}`;
      // An account registered without logging in, so its per-account login count starts at zero.
      const email = `limits-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
      const reg = await probe(gateway, 'POST', '/v1/auth/register', { 'content-type': 'application/json' }, JSON.stringify({ email, password }));
      assert.equal(reg.status, 201);
      const logins: Probe[] = [];
      for (let i = 0; i < 6; i++) logins.push(await login(email, 'wrong-on-purpose', base, client));
      assert.deepEqual(logins.map((r) => r.status), [401, 401, 401, 401, 401, 429], 'auth_login default: 5 a minute');
      const refused = logins[5]!;
      assert.equal(codeOf(refused), 'RATE_LIMITED');
      assert.ok(Number(refused.headers.get('retry-after')) > 0 && Number(refused.headers.get('retry-after')) <= 60);
      assert.match(refused.headers.get('ratelimit-policy') ?? '', /^5;w=60;comment="auth_login"/);
      // pdf_upload default: 10 an hour per user, counting accepted uploads only: refused
      // ones (not a PDF) count against api_general, never use up the upload quota.
      const uploader = new DocatApi([gateway]);
      await uploader.registerFresh();
      const onDefaults = new DocatApi([base]);
      onDefaults.token = uploader.token;
      const uploads: number[] = [];
      for (let i = 0; i < 12; i++) uploads.push((await onDefaults.uploadFile(corpusFile('not-a-pdf.pdf'))).status);
      assert.deepEqual(uploads, Array<number>(12).fill(415));
      const last = await onDefaults.uploadFile(corpusFile('not-a-pdf.pdf'));
      assert.match(last.headers.get('ratelimit-policy') ?? '', /10;w=3600;comment="pdf_upload"/);
      assert.ok(Number(last.headers.get('ratelimit-remaining')) >= 9, `refusals left the quota whole: ${last.headers.get('ratelimit-remaining')}`);
      assert.equal(last.headers.get('x-content-type-options'), 'nosniff');
    } finally {
      await stopProcess(proc);
      const info: ProcessInfo = { app: 'gateway', replica: proc.replica, pid: proc.pid, managementPort: proc.managementPort, logFile: proc.logFile, ...(proc.httpPort ? { httpPort: proc.httpPort } : {}) };
      lease.cluster.processes.push(info);
    }
  });

  test('a revoked API key stops working within 5 seconds on every gateway', async (t) => {
    const created = await owner.request<{ id: string; key: string }>('POST', '/v1/api-keys', { json: { name: 'to revoke' } });
    assert.equal(created.status, 201);
    secrets.set('revoked API key', created.body.key);
    for (const base of lease.cluster.gateways) {
      assert.equal((await probe(base, 'GET', '/v1/me', { 'x-api-key': created.body.key })).status, 200);
      assert.equal((await probe(base, 'GET', '/v1/me', { authorization: `Bearer ${created.body.key}` })).status, 200);
    }
    const revoked = await owner.request('DELETE', `/v1/api-keys/${created.body.id}`);
    assert.ok(revoked.status === 204 || revoked.status === 200, String(revoked.status));
    const t0 = Date.now();
    const pending = new Set(lease.cluster.gateways);
    while (pending.size > 0 && Date.now() - t0 < 5_000) {
      for (const base of [...pending]) if ((await probe(base, 'GET', '/v1/me', { 'x-api-key': created.body.key })).status === 401) pending.delete(base);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    t.diagnostic(`refused on every gateway ${Date.now() - t0} ms after the revocation answered`);
    assert.equal(pending.size, 0, `still accepted after 5 s by ${[...pending].join(', ')}`);
  });

  test('an upload declaring 51 MB is refused before its body is read', async (t) => {
    const declared = 51_000_000;
    const url = new URL(gateway);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const outcome = await new Promise<{ status: number; sentBeforeAnswer: number; ms: number }>((resolve, reject) => {
      const t0 = Date.now();
      let sent = 0;
      let answered = false;
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: 'POST', path: '/v1/documents', headers: { authorization: `Bearer ${owner.token!}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(declared) } },
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
    });
    t.diagnostic(`413 after ${outcome.ms} ms, ${(outcome.sentBeforeAnswer / 1024 / 1024).toFixed(1)} MiB written by the client by then`);
    assert.equal(outcome.status, 413);
    assert.ok(outcome.sentBeforeAnswer < 20 * 1024 * 1024, `${outcome.sentBeforeAnswer} bytes went out before the refusal`);
    assert.ok(outcome.ms < 5_000, `refused after ${outcome.ms} ms`);
  });

  test('a streamed 51 MB upload (no length given) is cut at 50 MB without the gateway holding it in memory', async (t) => {
    const base = gateway;
    const port = Number(new URL(base).port);
    const gw = lease.cluster.processes.find((p) => p.app === 'gateway' && p.httpPort === port) ?? lease.cluster.processes.find((p) => p.app === 'gateway')!;
    const pdfHead = await readFile(corpusFile('standard_fonts.pdf'));
    const total = MAX_UPLOAD_BYTES + 1_000_000;

    /** Streams a multipart body of `total` file bytes; answers the status, code and the gateway's RSS growth (MB) meanwhile. */
    async function streamOnce(): Promise<{ status: number; code: string | undefined; grewMb: number; ms: number }> {
      const boundary = `----sec${randomBytes(6).toString('hex')}`;
      let produced = 0;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="targetLanguage"\r\n\r\nde\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`));
          controller.enqueue(new Uint8Array(pdfHead));
          produced = pdfHead.length;
        },
        async pull(controller) {
          // About 200 MB/s: faster than most clients, slow enough that memory reflects what the gateway holds, not garbage awaiting collection.
          if (produced % (4 * 1024 * 1024) < 256 * 1024) await new Promise((r) => setTimeout(r, 5));
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
      const sampler = setInterval(() => void rssKb(gw.pid).then((kb) => (peak = Math.max(peak, kb)), () => undefined), 20);
      const t0 = Date.now();
      try {
        const res = await fetch(`${base}/v1/documents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.token!}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
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
    t.diagnostic(`gateway RSS growth: ${first.grewMb.toFixed(1)} MB (first stream), ${second.grewMb.toFixed(1)} MB (second); refused after ${first.ms} ms and ${second.ms} ms`);
    // A coarse bound: the process's resident memory also holds up to 15 MiB of storage parts (by
    // design) and the 64 KiB chunks and 5 MiB parts already dropped but not yet collected (V8 collects
    // external memory lazily, about every 64 MB allocated), which alone measured 40 to 55 MB here. A
    // gateway that kept the 50 MB it read would need that much on top.
    assert.ok(Number.isFinite(second.grewMb) && second.grewMb < 90, `the gateway grew by ${first.grewMb.toFixed(1)} MB, then ${second.grewMb.toFixed(1)} MB, while receiving 51 MB`);
  });

  test('a PDF password is kept encrypted only while the job runs; file names never reach storage keys', async () => {
    const url = lease.cluster.env.DATABASE_URL;
    if (lease.cluster.target === 'cluster' && url) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ password_secret: string | null; state: string }>('SELECT password_secret, state FROM ingestion.jobs WHERE id = $1', [ids.job]);
        assert.equal(rows[0]?.state, 'completed');
        assert.equal(rows[0]?.password_secret, null, 'wiped when the job ended');
      } finally {
        await client.end();
      }
    }
    const pdf = await readFile(corpusFile('standard_fonts.pdf'));
    const upload = await owner.uploadBytes(new Blob([pdf], { type: 'application/pdf' }), '../../../etc/passwd\u0000.pdf', { outputs: 'md' });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const done = await owner.waitFinished(upload.body.id);
    assert.equal(done.state, 'completed');
    const result = await owner.result(upload.body.id, 'md');
    assert.equal(result.status, 200);
    const disposition = result.headers.get('content-disposition') ?? '';
    assert.doesNotMatch(disposition.replace(/filename\*=[^;]+/, ''), /\.\.\/|\/etc\//, disposition);
  });

  test('a file that is not a PDF is refused with 415', async () => {
    const res = await owner.uploadFile(corpusFile('not-a-pdf.pdf'));
    assert.equal(res.status, 415);
    assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    const html = await owner.uploadBytes(new Blob(['<html><script>alert(1)</script></html>'], { type: 'application/pdf' }), 'x.pdf');
    assert.equal(html.status, 415);
  });

  test('CORS: the configured origin only, never *, never with credentials; a foreign origin gets no CORS headers', async () => {
    const allowed = lease.cluster.env.CORS_ORIGINS?.split(',')[0];
    const foreign = 'https://evil.example';
    for (const method of ['GET', 'OPTIONS']) {
      const headers: Record<string, string> = { origin: foreign };
      if (method === 'OPTIONS') Object.assign(headers, { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' });
      const res = await probe(gateway, method, '/v1/languages', headers);
      assert.equal(res.headers.get('access-control-allow-origin'), null, `${method} from a foreign origin`);
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
    }
    if (allowed) {
      const pre = await probe(gateway, 'OPTIONS', '/v1/documents', { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' });
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
      ['404 job', await probe(gateway, 'GET', `/v1/jobs/${randomUUID()}`, { authorization: `Bearer ${owner.token!}` })],
      ['400 bad JSON', await probe(gateway, 'POST', '/v1/auth/login', { 'content-type': 'application/json' }, '{"email":')],
      ['413 JSON', await probe(gateway, 'POST', '/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ email: 'a@b.c', password: 'p'.repeat(1_100_000) }))],
      ['415 body type', await probe(gateway, 'POST', '/v1/auth/login', { 'content-type': 'application/x-evil' }, 'x')],
      ['400 bad id', await probe(gateway, 'GET', "/v1/jobs/'%20OR%201=1--", { authorization: `Bearer ${owner.token!}` })],
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
        assert.doesNotMatch(res.body, /node_modules|\/src\/|\.js:\d+|\bat [A-Za-z.]+ \(|SELECT |INSERT |postgres|redis:\/\//i, `${name}: ${res.body}`);
      }
    }
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
});
