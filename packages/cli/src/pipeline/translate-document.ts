import { readFile } from 'node:fs/promises';
import type { EngineName, LanguageCode, TranslationScope } from '@docat/contracts';
import type { SandboxLimits } from '@docat/pdf/extract';
import { runTranslation, type RunResult } from '@docat/pipeline/run';
import { parseGlossaryCsv, type TranslationMemory } from '@docat/translate';

export interface TranslateDocumentOptions {
  input: string;
  target: LanguageCode;
  source?: LanguageCode;
  engine?: EngineName;
  pages?: string;
  password?: string;
  glossaryFile?: string;
  /** What is translated besides body text; the documented defaults when absent. */
  scope?: TranslationScope;
  /** Opened once extraction succeeded (and closed before returning); a memory that cannot open is a warning, not a failure. */
  openMemory?: () => Promise<{ memory: TranslationMemory; close(): Promise<void> }>;
  useMemory: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (stage: 'extract' | 'translate', done: number, total: number) => void;
  /** Limits of the extraction sandbox, over its defaults (a benchmark allows a slow machine more time). */
  extractLimits?: Partial<SandboxLimits>;
}

export type TranslatedDocument = RunResult;

/** The account the CLI's translation memory is kept under: one user, one machine. */
export const LOCAL_ACCOUNT = 'local';

/**
 * The document pipeline (`@docat/pipeline`) in this process, with a glossary read from
 * a CSV file and the CLI's own translation memory.
 */
export async function translateDocument(opts: TranslateDocumentOptions): Promise<TranslatedDocument> {
  const { glossaryFile, ...rest } = opts;
  return runTranslation({
    ...rest,
    accountId: LOCAL_ACCOUNT,
    ...(glossaryFile
      ? {
          glossary: async (document) =>
            parseGlossaryCsv(await readFile(glossaryFile), { source: opts.source ?? document.language ?? 'en', target: opts.target }),
        }
      : {}),
  });
}
