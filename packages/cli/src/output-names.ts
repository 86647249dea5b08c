import { statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
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

/**
 * Where `docat extract --out` writes: a file path as given, or `<name>.<format>` inside it
 * when it names a folder (one that exists, or any path ending in a separator, created then).
 * Decided before the extraction runs, so a long run never ends on a path it cannot write.
 */
export function extractOutputPath(input: string, out: string, format: string): string {
  const path = resolve(out);
  const namesFolder =
    out.endsWith('/') ||
    out.endsWith(sep) ||
    statSync(path, { throwIfNoEntry: false })?.isDirectory();
  return namesFolder ? join(path, `${basename(input, extname(input))}.${format}`) : path;
}
