import { RPC } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { IngestionModule } from './ingestion.module.js';
import { ingestionOptionsFromEnv } from './ingestion.options.js';

await runService({
  service: 'ingestion',
  module: IngestionModule.register(ingestionOptionsFromEnv(process.env)),
  claims: { patterns: [RPC.JOBS_CREATE, RPC.JOBS_GET, RPC.JOBS_LIST, RPC.JOBS_CANCEL, RPC.JOBS_RESULT] },
});
