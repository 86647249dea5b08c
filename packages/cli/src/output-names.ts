import { basename, dirname, extname, join, resolve } from 'node:path';
import type { OutputFormat } from '@docat/contracts';

const EXTENSIONS: Record<OutputFormat, string> = {
  pdf: 'pdf',
  dual: 'dual.pdf',
  md: 'md',
  txt: 'txt',
  json: 'json',
};

/** `report.pdf` translated to German as Markdown -> `<out>/report.de.md`. */
export function outputPath(
  input: string,
  lang: string,
  format: OutputFormat,
  outDir?: string,
): string {
  const stem = basename(input, extname(input));
  const dir = outDir ? resolve(outDir) : dirname(resolve(input));
  return join(dir, `${stem}.${lang}.${EXTENSIONS[format]}`);
}
