import type { Provider } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { CONFIG } from '@docat/service-kit';
import { AccountDataService } from './account-data.service.js';
import { CreditsController } from './credits.controller.js';
import { CreditsRepository } from './credits.repository.js';
import { CreditsService } from './credits.service.js';
import { CREDITS_SETTINGS } from './credits.settings.js';

export { CREDITS_PATTERNS } from './credits.controller.js';

/** The controllers and providers of the credits ledger, registered by the auth module. */
export const CREDITS_CONTROLLERS = [CreditsController];
export const CREDITS_PROVIDERS: Provider[] = [
  {
    provide: CREDITS_SETTINGS,
    inject: [CONFIG],
    useFactory: (config: DocatConfig) => config.credits,
  },
  CreditsRepository,
  CreditsService,
  AccountDataService,
];
