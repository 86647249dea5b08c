import type { LayoutDocument, OutputFormat } from '@docat/contracts';
import { toJson, toMarkdown, toPlainText } from '@docat/pdf/extract';

export const TEXT_FORMATS = ['md', 'txt', 'json'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

export function isTextFormat(format: OutputFormat): format is TextFormat {
  return (TEXT_FORMATS as readonly string[]).includes(format);
}

/** The pseudo engine's output is labelled wherever it appears, so it is never taken for a translation. */
const PSEUDO_NOTICE = 'Pseudo-translation by the offline pseudo engine: not a real translation.';

export function renderText(doc: LayoutDocument, format: TextFormat, opts: { pseudo?: boolean } = {}): string {
  switch (format) {
    case 'md':
      return (opts.pseudo ? `<!-- ${PSEUDO_NOTICE} -->\n\n` : '') + toMarkdown(doc);
    case 'txt':
      return (opts.pseudo ? `[${PSEUDO_NOTICE}]\n\n` : '') + toPlainText(doc);
    case 'json':
      return toJson(doc, true);
  }
}

/** Everything `docat translate` writes unless `--format` says otherwise. */
export const TRANSLATE_FORMATS: readonly OutputFormat[] = ['pdf', 'dual', ...TEXT_FORMATS];
