import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { EXTRACTION_CLAIMS, ExtractionModule } from './extraction.module.js';

await runService({
  service: SERVICES.EXTRACTION,
  module: ExtractionModule.register(),
  claims: EXTRACTION_CLAIMS,
});
