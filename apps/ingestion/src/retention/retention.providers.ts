import type { Provider } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { CONFIG } from '@docat/service-kit';
import { AccountsRetentionService } from './accounts-retention.service.js';
import { RETENTION_CLOCK, SYSTEM_CLOCK } from './clock.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionScheduler } from './retention.scheduler.js';
import { RetentionService } from './retention.service.js';
import { RETENTION_SETTINGS, retentionSettings } from './retention.settings.js';

/** The retention sweeps and their schedule on the maintenance queue. */
export const RETENTION_PROVIDERS: Provider[] = [
  {
    provide: RETENTION_SETTINGS,
    inject: [CONFIG],
    useFactory: (config: DocatConfig) => retentionSettings(config),
  },
  { provide: RETENTION_CLOCK, useValue: SYSTEM_CLOCK },
  RetentionRepository,
  RetentionService,
  AccountsRetentionService,
  RetentionScheduler,
];
