import type { ErrorCode, FidelityReport, JobWarning, LayoutDocument } from '@docat/contracts';
import type { DualMode, RenderText } from '@docat/pdf';

/** Given to the render thread as it starts (its `workerData`). */
export interface RenderThreadData {
  /** Run below the normal scheduling priority (Linux): the starting thread has other work. */
  lowerPriority: boolean;
}

/** What a render is given. */
export interface RenderInput {
  /** The source PDF. Its buffer is handed over to the thread and unusable afterwards. */
  source: Uint8Array;
  /** The source layout (merged chunks). */
  layout: LayoutDocument;
  /** Block id (or table cell key) to translated text, as `renderTranslationsOf` makes it. */
  translations: Map<string, RenderText>;
  targetLanguage: string;
  password?: string;
  /** Also make the bilingual PDF, in this mode. */
  dual?: DualMode;
  /** Keep the source's scripts, actions and embedded files (PDF_KEEP_ACTIVE_CONTENT). */
  keepActiveContent?: boolean;
  /** Make the fidelity report (default true: the service stores one with every job). */
  report?: boolean;
}

/** What the render thread is asked to do: one message, sent once. */
export interface RenderRequest extends Omit<RenderInput, 'report'> {
  type: 'render';
  /** Read the translated PDF back into a fidelity report. */
  report: boolean;
}

/**
 * Asks the render thread to stop: it ends its render at the next page (or step) and then
 * exits on its own. Sent any time after the request; harmless once the render is done.
 */
export interface StopRequest {
  type: 'stop';
}

/** What the render thread sends back: progress any number of times, then one result or error. */
export type RenderReply =
  | { type: 'progress'; done: number; total: number }
  | {
      type: 'result';
      pdf: Uint8Array;
      dual: Uint8Array | null;
      warnings: JobWarning[];
      report: FidelityReport | null;
    }
  /** `code` is set when the renderer failed with a Docat error (a damaged file, a wrong password...). */
  | { type: 'error'; code?: ErrorCode; message: string };
