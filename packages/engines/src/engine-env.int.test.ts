import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeDeepLServer } from '@docat/translate/testing';
import { defaultEngineWarning } from './engine-env.js';

const deepl = new FakeDeepLServer();
before(() => deepl.start());
after(() => deepl.close());

test('a configured engine that refuses its key is named at start-up, with the reason', async () => {
  const warning = await defaultEngineWarning({
    DEEPL_AUTH_KEY: 'wrong-key:fx',
    DEEPL_SERVER_URL: deepl.url,
  });
  assert.match(warning ?? '', /^warning: the deepl engine failed its check \(.*401.*\)/u);
});

test('an engine that answers, and pseudo, give no warning', async () => {
  assert.equal(
    await defaultEngineWarning({
      DEEPL_AUTH_KEY: 'test-deepl-key:fx',
      DEEPL_SERVER_URL: deepl.url,
    }),
    undefined,
  );
  assert.equal(await defaultEngineWarning({}), undefined);
});

test('an engine whose server does not answer is reported after the timeout', async () => {
  const hanging = new FakeDeepLServer({ latencyMs: 3_000 });
  await hanging.start();
  try {
    const started = Date.now();
    const warning = await defaultEngineWarning(
      { DEEPL_AUTH_KEY: 'test-deepl-key:fx', DEEPL_SERVER_URL: hanging.url },
      300,
    );
    assert.match(warning ?? '', /no answer in 0\.3 s/u);
    assert.ok(Date.now() - started < 5_000);
  } finally {
    await hanging.close();
  }
});
