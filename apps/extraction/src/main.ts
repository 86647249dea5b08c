import { EVENTS, QUEUES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { ExtractionModule } from './extraction.module.js';
import { extractionOptionsFromEnv } from './extraction.options.js';

await runService({
  service: 'extraction',
  module: ExtractionModule.register(extractionOptionsFromEnv(process.env)),
  claims: { patterns: [EVENTS.JOB_CANCEL_REQUESTED], queues: [QUEUES.EXTRACT, QUEUES.RENDER] },
});
