import { OUTPUT_FORMATS } from '@docat/contracts/core';
import type { LayoutDocument, OutputFormat } from '@docat/contracts';
import { toJson, toMarkdown, toPlainText } from '@docat/pdf/extract';

/** What `docat extract` writes: the extracted layout as text (translations are the pipeline's outputs). */
export const TEXT_FORMATS = ['md', 'txt', 'json'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

export function renderText(doc: LayoutDocument, format: TextFormat): string {
  switch (format) {
    case 'md':
      return toMarkdown(doc);
    case 'txt':
      return toPlainText(doc);
    case 'json':
      return toJson(doc, true);
  }
}

/** Everything `docat translate` writes unless `--format` says otherwise. */
export const TRANSLATE_FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS;
