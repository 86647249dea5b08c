import { describeEngineConformance } from '../testing/engine-conformance.js';
import { FakeLibreTranslateServer } from '../testing/fake-libretranslate.js';
import { LibreTranslateEngine } from './libretranslate.engine.js';

describeEngineConformance({
  label: 'libretranslate',
  server: (options) => new FakeLibreTranslateServer({ key: 'test-libre-key', ...options }),
  engine: (server) => new LibreTranslateEngine({ url: server.url, apiKey: 'test-libre-key' }),
  protocol: 'mt',
  seesRetryAfter: true,
});
