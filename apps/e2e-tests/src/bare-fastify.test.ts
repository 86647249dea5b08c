import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';

/**
 * The baseline of `bench:api` answers a poll with the bytes Docat answered: the same JSON
 * text and, when handed Docat's headers, the same headers with a fresh request id each time.
 */
test("bench:api's bare server answers Docat's body and headers, a new request id per answer", async () => {
  const body = { id: 'a', state: 'completed', progress: { percent: 100 } };
  const headers = {
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'ratelimit-policy': '100;w=3600;comment="api_general"',
    vary: 'Origin',
  };
  const entry = fileURLToPath(new URL('../bench/bare-fastify.js', import.meta.url));
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, BARE_BODY: JSON.stringify(body), BARE_HEADERS: JSON.stringify(headers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const url = `http://127.0.0.1:${chunk.toString('utf8').trim()}/v1/jobs/a`;
    const first = await fetch(url);
    const second = await fetch(url);
    assert.equal(await first.text(), JSON.stringify(body));
    await second.arrayBuffer();
    for (const [name, value] of Object.entries(headers))
      assert.equal(first.headers.get(name), value, name);
    assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    assert.ok(ids[0] && ids[1] && ids[0] !== ids[1], `request ids ${ids.join(', ')}`);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
