import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { describeEngineConformance } from '../testing/engine-conformance.js';
import { FakeGoogleServer } from '../testing/fake-google.js';
import { GoogleEngine } from './google.engine.js';

describeEngineConformance({
  label: 'google',
  server: (options) => new FakeGoogleServer(options),
  engine: (server) => new GoogleEngine({ apiKeys: ['test-google-key'], baseUrl: server.baseUrl }),
  protocol: 'mt',
  seesRetryAfter: true,
});

test('google works with an injected auth client instead of an API key', async () => {
  const server = await new FakeGoogleServer().start();
  try {
    // A client holding a valid token never calls the (unreachable) OAuth token endpoint.
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'test-google-key', expiry_date: Date.now() + 3_600_000 });
    const engine = new GoogleEngine({ authClient: auth, baseUrl: server.baseUrl });
    const result = await engine.translateBatch({
      source: 'en',
      target: 'de',
      segments: [{ id: 'a', text: 'Hi ⟦0⟧' }],
    });
    assert.deepEqual(result.translations, [{ id: 'a', text: '[de] Hi ⟦0⟧' }]);
    assert.deepEqual(server.rejections, []);
  } finally {
    await server.close();
  }
});
