import type { Provider } from '@nestjs/common';
import { RPC } from '@docat/contracts';
import { AccountDataController } from '../account-data/account-data.controller.js';
import { AccountErasureService } from '../account-data/account-erasure.service.js';
import { BillingController } from './billing.controller.js';
import { BillingRepository } from './billing.repository.js';
import { BillingService } from './billing.service.js';

/** The patterns of billing and account erasure in ingestion. */
export const BILLING_PATTERNS = [RPC.JOBS_ESTIMATE, RPC.JOBS_ERASE_USER] as const;
export const BILLING_CONTROLLERS = [BillingController, AccountDataController];
export const BILLING_PROVIDERS: Provider[] = [
  BillingRepository,
  BillingService,
  AccountErasureService,
];
