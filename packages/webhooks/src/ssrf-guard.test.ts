import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError } from '@docat/contracts';
import { forbiddenAddressReason, isAllowlisted, parseAllowedHost } from './address-policy.js';
import { checkWebhookUrl, guardedLookup, type Resolver } from './ssrf-guard.js';

const FORBIDDEN = [
  '127.0.0.1',
  '127.0.0.2',
  '0.0.0.0',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.1',
  '169.254.169.254',
  '169.254.0.1',
  '100.64.0.1',
  '224.0.0.1',
  '::1',
  '::',
  '[::1]',
  'fe80::1',
  'fe80::1%eth0',
  'fc00::1',
  'fd12:3456:789a::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe',
  '::127.0.0.1',
  '64:ff9b::a9fe:a9fe',
  'ff02::1',
];
const PUBLIC = [
  '93.184.216.34',
  '8.8.8.8',
  '172.32.0.1',
  '172.15.255.255',
  '192.169.0.1',
  '169.255.0.1',
  '11.0.0.1',
  '2606:4700::1111',
  '::ffff:8.8.8.8',
  '2001:db8::1',
];

const resolveTo =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const DNS = resolveTo({
  'metadata.test': ['169.254.169.254'],
  'loop.test': ['127.0.0.1'],
  'loop6.test': ['::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'ten.test': ['10.1.2.3'],
  'sixteen.test': ['172.16.5.5'],
  'home.test': ['192.168.1.20'],
  'mapped-metadata.test': ['::ffff:169.254.169.254'],
  'mixed.test': ['93.184.216.34', '192.168.0.10'],
  'public.test': ['93.184.216.34', '2606:4700::1111'],
  'hooks.internal': ['10.0.0.5'],
});

async function refused(url: string, allowedHosts: string[] = []): Promise<string> {
  try {
    await checkWebhookUrl(url, { allowedHosts, resolver: DNS });
  } catch (err) {
    assert.ok(err instanceof DocatError, String(err));
    assert.equal(err.code, 'WEBHOOK_URL_FORBIDDEN');
    assert.equal(err.status, 422);
    return err.detail ?? '';
  }
  assert.fail(`${url} was accepted`);
}

describe('address policy', () => {
  test('loopback, private, link-local, metadata, unique-local, unspecified and their IPv4-mapped forms are forbidden', () => {
    for (const address of FORBIDDEN) assert.ok(forbiddenAddressReason(address), address);
  });

  test('public addresses, including those next to forbidden ranges, are allowed', () => {
    for (const address of PUBLIC) assert.equal(forbiddenAddressReason(address), undefined, address);
  });

  test('names are never judged as addresses', () => {
    assert.ok(forbiddenAddressReason('localhost'));
    assert.ok(forbiddenAddressReason('example.com'));
  });

  test('allowlist entries: host, *.suffix, host:port, [ipv6]:port', () => {
    assert.deepEqual(parseAllowedHost('Hooks.Internal:8080'), {
      host: 'hooks.internal',
      port: 8080,
    });
    assert.deepEqual(parseAllowedHost('[::1]:9000'), { host: '::1', port: 9000 });
    assert.equal(parseAllowedHost('http://x'), undefined);
    assert.ok(isAllowlisted('hooks.internal', 443, ['hooks.internal']));
    assert.ok(isAllowlisted('a.corp.example', 443, ['*.corp.example']));
    assert.ok(!isAllowlisted('corp.example', 443, ['*.corp.example']));
    assert.ok(!isAllowlisted('evilcorp.example', 443, ['*.corp.example']));
    assert.ok(isAllowlisted('127.0.0.1', 8080, ['127.0.0.1:8080']));
    assert.ok(!isAllowlisted('127.0.0.1', 8081, ['127.0.0.1:8080']));
    assert.ok(!isAllowlisted('127.0.0.2', 8080, ['127.0.0.1:8080']));
    assert.ok(isAllowlisted('[::1]', 9000, ['[::1]:9000']));
  });
});

describe('checkWebhookUrl', () => {
  test('refuses IP literals in forbidden ranges', async () => {
    for (const host of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.169.254',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[fd00::1]',
      '0.0.0.0',
    ]) {
      await refused(`http://${host}/hook`);
    }
  });

  test('refuses names resolving to forbidden addresses, even when only one of them is', async () => {
    for (const host of [
      'metadata.test',
      'loop.test',
      'loop6.test',
      'mapped.test',
      'mapped-metadata.test',
      'ten.test',
      'sixteen.test',
      'home.test',
      'mixed.test',
    ]) {
      assert.match(await refused(`https://${host}/hook`), /resolves to/);
    }
  });

  test('refuses names that do not resolve, other schemes and credentials', async () => {
    assert.match(await refused('https://nowhere.test/'), /does not resolve/);
    await refused('ftp://public.test/');
    await refused('https://user:pass@public.test/');
    await refused('not a url');
  });

  test('accepts public names and addresses, and allowlisted hosts whatever they resolve to', async () => {
    assert.equal(
      (await checkWebhookUrl('https://public.test/hook', { allowedHosts: [], resolver: DNS }))
        .allowlisted,
      false,
    );
    assert.equal(
      (await checkWebhookUrl('http://8.8.8.8/', { allowedHosts: [], resolver: DNS })).port,
      80,
    );
    assert.equal(
      (
        await checkWebhookUrl('https://hooks.internal/x', {
          allowedHosts: ['hooks.internal'],
          resolver: DNS,
        })
      ).allowlisted,
      true,
    );
    assert.equal(
      (
        await checkWebhookUrl('http://127.0.0.1:8080/x', {
          allowedHosts: ['127.0.0.1:8080'],
          resolver: DNS,
        })
      ).allowlisted,
      true,
    );
    await refused('http://127.0.0.1:8081/x', ['127.0.0.1:8080']);
  });
});

describe('guardedLookup (connect-time check)', () => {
  const lookup = (hostname: string, port: number, allowedHosts: string[] = []) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string }>((resolve) => {
      guardedLookup(port, { allowedHosts, resolver: DNS })(hostname, {}, (err, address) =>
        resolve({ err, address: String(address) }),
      );
    });

  test('answers a public address and refuses a forbidden one, so no socket is opened to it', async () => {
    assert.deepEqual(await lookup('public.test', 443), { err: null, address: '93.184.216.34' });
    const metadata = await lookup('metadata.test', 80);
    assert.ok(metadata.err instanceof DocatError && metadata.err.code === 'WEBHOOK_URL_FORBIDDEN');
    const mixed = await lookup('mixed.test', 80);
    assert.ok(mixed.err instanceof DocatError);
  });

  test('an allowlisted host passes', async () => {
    assert.deepEqual(await lookup('hooks.internal', 443, ['hooks.internal']), {
      err: null,
      address: '10.0.0.5',
    });
  });
});
