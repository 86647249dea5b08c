import { z } from 'zod';

/**
 * Plans and credits. The auth service keeps the ledger; ingestion probes a document,
 * reserves its worst case before any work, and settles the actual cost (or releases the
 * reservation) when the job ends. Ledger entries are unique per (job, step, kind), so a
 * settle or release that is sent again after a crash changes nothing.
 */

/** What a credit is spent on; the per-kind breakdown of `GET /v1/usage`. */
export const CREDIT_KINDS = ['text_pages', 'ocr_pages', 'translation'] as const;
export const creditKindSchema = z.enum(CREDIT_KINDS);
export type CreditKind = z.infer<typeof creditKindSchema>;

/** Credits per unit of work, from configuration. */
export const creditRatesSchema = z.object({
  textPage: z.number().int().nonnegative(),
  ocrPage: z.number().int().nonnegative(),
  /** Per 1,000 characters sent to a paid engine (rounded up per job). */
  translationPer1000Characters: z.number().int().nonnegative(),
});
export type CreditRates = z.infer<typeof creditRatesSchema>;

/** One charge of a settled job: `step` is where the work happened (`chunk:3`, `job`). */
export const creditLineSchema = z.object({
  step: z.string().min(1).max(64),
  kind: creditKindSchema,
  quantity: z.number().int().nonnegative(),
  credits: z.number().int().nonnegative(),
});
export type CreditLine = z.infer<typeof creditLineSchema>;

/** What a document will cost at most, from the probe (page count, scanned pages) before any work. */
export const creditEstimateSchema = z.object({
  /** Pages in the document. */
  pages: z.number().int().nonnegative(),
  /** Pages the job covers (the page range clipped to the document). */
  selectedPages: z.number().int().nonnegative(),
  /** Selected pages without a usable text layer: they are OCR'd. */
  scannedPages: z.number().int().nonnegative(),
  textPages: z.number().int().nonnegative(),
  /** The engine that would translate, and whether it is billed. */
  engine: z.string(),
  paidEngine: z.boolean(),
  /** Upper bound of characters sent to a paid engine (0 for a free engine). */
  translationCharacters: z.number().int().nonnegative(),
  estimatedCredits: z.number().int().nonnegative(),
  breakdown: z.object({
    text_pages: z.number().int(),
    ocr_pages: z.number().int(),
    translation: z.number().int(),
  }),
  /** False when the probe could not read the document: the estimate then covers one page per selected page guess. */
  probed: z.boolean(),
});
export type CreditEstimate = z.infer<typeof creditEstimateSchema>;

const kindUsage = z.object({
  quantity: z.number().int().nonnegative(),
  credits: z.number().int().nonnegative(),
});

/** `GET /v1/usage`: the current period of an account. `granted` and `available` are null when unlimited. */
export const usageSchema = z.object({
  period: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  plan: z.string(),
  unlimited: z.boolean(),
  /** Credits are granted once the account's email address is verified. */
  emailVerified: z.boolean(),
  granted: z.number().int().nonnegative().nullable(),
  used: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  available: z.number().int().nullable(),
  breakdown: z.object({ text_pages: kindUsage, ocr_pages: kindUsage, translation: kindUsage }),
  rates: creditRatesSchema,
});
export type Usage = z.infer<typeof usageSchema>;

/** `POST /v1/documents?dryRun=true`: the estimate and whether the account could start the job now. */
export const dryRunSchema = creditEstimateSchema.extend({
  dryRun: z.literal(true),
  available: z.number().int().nullable(),
  sufficient: z.boolean(),
});
export type DryRun = z.infer<typeof dryRunSchema>;

/** A ledger entry as the account export shows it. */
export const ledgerEntrySchema = z.object({
  jobId: z.string(),
  step: z.string(),
  kind: z.string(),
  quantity: z.number().int(),
  credits: z.number().int(),
  periodStart: z.iso.datetime(),
  createdAt: z.iso.datetime(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

const userRef = z.object({ userId: z.string().min(1).max(64) });
const jobRef = userRef.extend({ jobId: z.string().min(1).max(64) });

export const creditsRpcSchemas = {
  reserve: {
    request: jobRef.extend({
      credits: z.number().int().nonnegative(),
      estimate: creditEstimateSchema.optional(),
    }),
    response: z.object({
      jobId: z.string(),
      reserved: z.number().int().nonnegative(),
      available: z.number().int().nullable(),
    }),
  },
  settle: {
    request: jobRef.extend({ lines: z.array(creditLineSchema).max(10_000) }),
    response: z.object({
      jobId: z.string(),
      charged: z.number().int().nonnegative(),
      alreadyClosed: z.boolean(),
    }),
  },
  release: {
    request: jobRef,
    response: z.object({ jobId: z.string(), released: z.boolean() }),
  },
  usage: { request: userRef, response: usageSchema },
} as const;
