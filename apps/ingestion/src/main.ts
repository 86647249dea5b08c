import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { INGESTION_CLAIMS, IngestionModule } from './ingestion.module.js';

await runService({
  service: SERVICES.INGESTION,
  module: IngestionModule.register(),
  claims: INGESTION_CLAIMS,
});
