import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DenyListLoader } from './deny-list.loader.js';
import { TokenDenyList } from './token-deny-list.js';
import type { ServicesClient } from '../rpc/services.client.js';

/** Auth's side of `auth.denied-users`, answering from a list the test changes. */
function authAnswering(state: { failures: number; items: { userId: string; at: number }[] }) {
  const calls: unknown[] = [];
  const services = {
    call: async (_pattern: string, data: unknown) => {
      calls.push(data);
      if (state.failures > 0) {
        state.failures -= 1;
        throw new Error('auth is not up yet');
      }
      return { items: [...state.items], sessions: [] };
    },
  } as unknown as ServicesClient;
  return { services, calls };
}

async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

test('the deny list is loaded at start, retried while auth is down, then refreshed: a missed broadcast is caught', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const state = { failures: 1, items: [{ userId: 'revoked-before-start', at: now - 10 }] };
  const { services, calls } = authAnswering(state);
  const denyList = new TokenDenyList(900);
  const loader = new DenyListLoader(services, denyList, 900, 40);
  t.after(() => loader.onApplicationShutdown());

  loader.onApplicationBootstrap();
  await until(() => denyList.isDenied('revoked-before-start', now - 20));
  assert.ok(calls.length >= 2, 'the first load was retried after the failure');
  assert.deepEqual(calls[0], { sinceSeconds: 960 }, 'it asks for one token lifetime and a minute');

  // An erasure whose broadcast this replica never heard.
  state.items.push({ userId: 'erased-later', at: now });
  assert.equal(denyList.isDenied('erased-later', now - 1), false);
  await until(() => denyList.isDenied('erased-later', now - 1));

  // A failed refresh keeps what is known and tries again.
  state.failures = 1;
  state.items.push({ userId: 'after-a-failure', at: now });
  await until(() => denyList.isDenied('after-a-failure', now - 1));
  assert.equal(denyList.isDenied('revoked-before-start', now - 20), true);
});

test('no refresh runs after shutdown', async () => {
  const state = { failures: 0, items: [] };
  const { services, calls } = authAnswering(state);
  const loader = new DenyListLoader(services, new TokenDenyList(900), 900, 20);
  loader.onApplicationBootstrap();
  await until(() => calls.length >= 1);
  loader.onApplicationShutdown();
  const seen = calls.length;
  await sleep(100);
  assert.ok(calls.length <= seen + 1, 'at most the call already in flight');
});
