import type { MigrationClass } from '../../data-source.js';
import { IngestionBaseline1767225600000 } from './1767225600000-ingestion-baseline.js';
import { IngestionJobs1767225800000 } from './1767225800000-ingestion-jobs.js';
import { IngestionBilling1767226200000 } from './1767226200000-ingestion-billing.js';
import { IngestionRetention1767226400000 } from './1767226400000-ingestion-retention.js';
import { IngestionJobEngine1767226600000 } from './1767226600000-ingestion-job-engine.js';
import { IngestionJobFidelity1767227000000 } from './1767227000000-ingestion-job-fidelity.js';
import { IngestionStepLeases1767227100000 } from './1767227100000-ingestion-step-leases.js';
import { IngestionJobTrace1767227400000 } from './1767227400000-ingestion-job-trace.js';

/**
 * Migrations of the `ingestion` schema, oldest first. To add one: create
 * `<Date.now()>-<name>.ts` in this folder exporting a class named `<Name><timestamp>`
 * (with the same string in its `name` field) and append it here. Never edit or remove a
 * released migration; write a new one.
 */
export const ingestionMigrations: readonly MigrationClass[] = [
  IngestionBaseline1767225600000,
  IngestionJobs1767225800000,
  IngestionBilling1767226200000,
  IngestionRetention1767226400000,
  IngestionJobEngine1767226600000,
  IngestionJobFidelity1767227000000,
  IngestionStepLeases1767227100000,
  IngestionJobTrace1767227400000,
];
