import { describeEngineConformance } from '../testing/engine-conformance.js';
import { FakeAnthropicServer } from '../testing/fake-anthropic.js';
import { AnthropicEngine } from './anthropic.engine.js';

describeEngineConformance({
  label: 'anthropic',
  server: (options) => new FakeAnthropicServer(options),
  engine: (server) =>
    new AnthropicEngine({
      apiKeys: ['test-anthropic-key'],
      baseURL: server.url,
      model: 'claude-test',
    }),
  protocol: 'llm',
  seesRetryAfter: true,
});
