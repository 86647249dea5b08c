import { DocatError, OUTPUT_FORMATS, type OutputFormat } from '@docat/contracts';

export function parseFormats(value: string, allowed: readonly OutputFormat[]): OutputFormat[] {
  const formats: OutputFormat[] = [];
  for (const raw of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(raw)) {
      throw new DocatError(
        'UNSUPPORTED_FORMAT',
        `unknown format '${raw}' (known: ${OUTPUT_FORMATS.join(', ')})`,
      );
    }
    const format = raw as OutputFormat;
    if (!allowed.includes(format)) {
      throw new DocatError(
        'UNSUPPORTED_FORMAT',
        `format '${format}' is not available here (available: ${allowed.join(', ')})`,
      );
    }
    if (!formats.includes(format)) formats.push(format);
  }
  if (formats.length === 0) throw new DocatError('UNSUPPORTED_FORMAT', 'no output format given');
  return formats;
}
