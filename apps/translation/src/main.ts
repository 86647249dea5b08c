import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { TRANSLATION_CLAIMS, TranslationModule } from './translation.module.js';

await runService({
  service: SERVICES.TRANSLATION,
  module: TranslationModule.register(),
  claims: TRANSLATION_CLAIMS,
});
