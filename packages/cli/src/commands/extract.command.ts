import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { DocatError, isLanguageCode, parsePageRange } from '@docat/contracts/core';
import { checkPdfInput } from '../input.js';
import { extractDocument } from '../pipeline/extract-document.js';
import { extractOutputPath } from '../output-names.js';
import { Progress } from '../progress.js';
import { TEXT_FORMATS, renderText, type TextFormat } from '../writers.js';

interface ExtractFlags {
  format: string;
  pages?: string;
  password?: string;
  source?: string;
  out?: string;
  quiet?: boolean;
}

export function extractCommand(): Command {
  return new Command('extract')
    .description(
      'Extract the text of a PDF in reading order as plain text, Markdown or the JSON layout model',
    )
    .argument('<file>', 'the PDF to read')
    .option('--format <format>', `one of ${TEXT_FORMATS.join(', ')}`, 'txt')
    .option('--pages <range>', 'pages to extract, e.g. 1-5,8')
    .option('--password <password>', 'password that opens an encrypted PDF')
    .option('--source <lang>', 'language of the document, for OCR of scanned pages')
    .option(
      '--out <path>',
      'write to this file, or to <name>.<format> in this folder, instead of standard output',
    )
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (file: string, flags: ExtractFlags) => {
      if (!(TEXT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new DocatError(
          'UNSUPPORTED_FORMAT',
          `unknown format '${flags.format}' (known: ${TEXT_FORMATS.join(', ')})`,
        );
      }
      const source = flags.source;
      if (source !== undefined && !isLanguageCode(source)) {
        throw new DocatError('VALIDATION_FAILED', `unknown language '${source}'`);
      }
      if (flags.pages !== undefined && parsePageRange(flags.pages) === null) {
        throw new DocatError(
          'INVALID_PAGE_RANGE',
          `pages must look like 1-5,8, not '${flags.pages}'`,
        );
      }
      await checkPdfInput(file);
      const outPath = flags.out ? extractOutputPath(file, flags.out, flags.format) : undefined;
      const progress = new Progress(process.stderr, flags.quiet || !flags.out);
      const { document, warnings } = await extractDocument(file, {
        ...(flags.pages ? { pages: flags.pages } : {}),
        ...(flags.password ? { password: flags.password } : {}),
        ...(source !== undefined ? { source } : {}),
        // Plain text needs no figures or colours: pages are walked only for what text needs.
        ...(flags.format === 'txt' ? { detail: 'text' as const } : {}),
        onProgress: (done, total) => progress.update('extract', done, total, 'pages'),
      });
      const text = renderText(document, flags.format as TextFormat);
      progress.finish();
      for (const w of warnings) {
        if (!flags.quiet)
          process.stderr.write(
            `warning (${w.kind}${w.page ? `, page ${w.page}` : ''}): ${w.message}\n`,
          );
      }
      if (outPath) {
        await mkdir(dirname(outPath), { recursive: true });
        await writeFile(outPath, text);
        progress.note(`wrote ${outPath}`);
      } else {
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    });
}
