import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  DocatError,
  FIDELITY_SHRINK_THRESHOLD,
  LANGUAGE_CODES,
  scopeOfOptions,
  uploadOptionsSchema,
  type FidelityReport,
  type OutputFormat,
} from '@docat/contracts';
import { checkPdfInput } from '../input.js';
import { flagOf } from '../hints.js';
import { outputPath } from '../output-names.js';
import { cliDataDir } from '../data-dir.js';
import { PipelineProgress, Progress } from '../progress.js';
import { TRANSLATE_FORMATS } from '../writers.js';
import { parseFormats } from './shared-options.js';
import { dirname } from 'node:path';

interface TranslateFlags {
  to: string;
  source?: string;
  engine?: string;
  format: string;
  out?: string;
  pages?: string;
  password?: string;
  dualMode: string;
  glossary?: string;
  dataDir?: string;
  cache: boolean;
  memory: boolean;
  headersFooters: boolean;
  references: boolean;
  tables: boolean;
  figureText?: boolean;
  report?: string | boolean;
  quiet?: boolean;
  keepActiveContent?: boolean;
}

const AVAILABLE: readonly OutputFormat[] = TRANSLATE_FORMATS;

const ENGINE_REASON = {
  requested: '--engine',
  default: 'DEFAULT_ENGINE',
  chain: 'TRANSLATION_ENGINES',
  configured: 'its configuration (the first engine whose key or server is set)',
  'pseudo-fallback': 'default',
} as const;

export function translateCommand(): Command {
  return new Command('translate')
    .description('Translate a PDF and write the results beside it (or into --out)')
    .argument('<file>', 'the PDF to translate')
    .requiredOption('--to <lang>', 'target language, e.g. de, ja, zh-Hant')
    .option('--source <lang>', 'source language (detected when omitted)')
    .option(
      '--engine <name>',
      'pseudo, openai, openrouter, gemini, anthropic, deepl, google, libretranslate',
    )
    .option(
      '--format <list>',
      `comma-separated outputs: ${AVAILABLE.join(',')}`,
      AVAILABLE.join(','),
    )
    .option('--out <dir>', 'folder for the outputs (default: beside the input)')
    .option('--pages <range>', 'pages to translate, e.g. 1-5,8')
    .option('--password <password>', 'password that opens an encrypted PDF')
    .option(
      '--dual-mode <mode>',
      'bilingual PDF layout: side (pages side by side), alternate (original and translated pages in turn) or interleaved (reflowed: each source paragraph followed by its translation)',
      'side',
    )
    .option('--glossary <file.csv>', 'CSV glossary: term,translation')
    .option(
      '--data-dir <dir>',
      'CLI data folder (default: DOCAT_CLI_DATA_DIR or ~/.local/share/docat)',
    )
    .option(
      '--no-cache',
      'do not reuse a cached result (the CLI keeps none: every run extracts and translates again; translation memory still applies)',
    )
    .option('--no-memory', 'neither read nor write the translation memory kept in the data folder')
    .option(
      '--no-headers-footers',
      'keep running headers and footers (page numbers, running titles) untranslated',
    )
    .option(
      '--no-references',
      'keep the reference list (the entries after a References or Bibliography heading) untranslated',
    )
    .option('--no-tables', 'keep table text untranslated')
    .option('--figure-text', 'translate the labels inside figures where they are clear text')
    .option(
      '--report [file]',
      'write the fidelity report (JSON): what is left untranslated, shrunk, overflowing or overlapping, and the coverage per page (default: beside the outputs, <name>.<lang>.report.json)',
    )
    .option(
      '--keep-active-content',
      "keep the input's JavaScript, OpenAction, additional actions, launch actions and embedded files in the PDF outputs (removed by default)",
    )
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (file: string, flags: TranslateFlags) => {
      const options = uploadOptionsSchema.safeParse({
        targetLanguage: flags.to,
        sourceLanguage: flags.source,
        engine: flags.engine,
        outputs: flags.format,
        pages: flags.pages,
        dualMode: flags.dualMode,
        password: flags.password,
        translateHeadersFooters: flags.headersFooters,
        translateReferences: flags.references,
        translateTables: flags.tables,
        translateFigureText: flags.figureText ?? false,
      });
      if (!options.success) {
        const issue = options.error.issues[0];
        const field = String(issue?.path[0] ?? '');
        // A language the contract does not know: name it and the codes that exist, not the schema's enum.
        if (field === 'targetLanguage' || field === 'sourceLanguage') {
          const given = field === 'targetLanguage' ? flags.to : flags.source;
          throw new DocatError(
            'VALIDATION_FAILED',
            `${flagOf(field)}: unknown language '${given ?? ''}' (known: ${LANGUAGE_CODES.join(', ')})`,
          );
        }
        throw new DocatError(
          'VALIDATION_FAILED',
          `${field ? flagOf(field) : 'option'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const formats = parseFormats(flags.format, AVAILABLE);
      await checkPdfInput(file);

      const progress = new Progress(process.stderr, flags.quiet);
      const pipeline = new PipelineProgress(progress);
      // Loaded here, not at start: the engines and the renderer cost every other command a second.
      const [{ translateDocument }, { openCliMemory }, { renderOutputs }] = await Promise.all([
        import('../pipeline/translate-document.js'),
        import('../memory/cli-memory.js'),
        import('@docat/pipeline/render'),
      ]);
      const result = await translateDocument({
        input: file,
        target: options.data.targetLanguage,
        ...(options.data.sourceLanguage ? { source: options.data.sourceLanguage } : {}),
        ...(options.data.engine ? { engine: options.data.engine } : {}),
        ...(options.data.pages ? { pages: options.data.pages } : {}),
        ...(options.data.password ? { password: options.data.password } : {}),
        ...(flags.glossary ? { glossaryFile: flags.glossary } : {}),
        scope: scopeOfOptions(options.data),
        openMemory: () => openCliMemory(cliDataDir(flags.dataDir)),
        useMemory: flags.memory,
        onProgress: (stage, done, total) =>
          pipeline.report(stage, done, total, stage === 'extract' ? 'pages' : 'segments'),
        onRetry: (message) => progress.note(message),
      });

      const written: string[] = [];
      const meta = {
        targetLanguage: options.data.targetLanguage,
        engine: result.engine.name,
        model: result.engine.model,
      };
      const outputs = await renderOutputs(
        async () => new Uint8Array(await readFile(file)),
        result,
        meta,
        {
          formats,
          dualMode: options.data.dualMode,
          ...(options.data.password ? { password: options.data.password } : {}),
          ...(flags.report ? { report: true } : {}),
          keepActiveContent: flags.keepActiveContent === true,
          onPage: (done, total) => pipeline.report('render', done, total, 'pages'),
        },
      );
      // The job keeps every render warning; on a terminal, overflowing blocks are summed up.
      const overflow = outputs.warnings.filter((w) => w.kind === 'overflow');
      result.warnings.push(...outputs.warnings.filter((w) => w.kind !== 'overflow'));
      if (overflow.length > 0) {
        const pages = [...new Set(overflow.map((w) => w.page))].join(', ');
        result.warnings.push({
          kind: 'overflow',
          message: `${overflow.length} translated block(s) do not fit their box at the smallest font size (pages ${pages})`,
        });
      }
      for (const format of formats) {
        const body = outputs.files[format];
        if (!body) continue;
        const path = outputPath(file, options.data.targetLanguage, format, flags.out);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body);
        written.push(path);
      }
      if (outputs.report) {
        const path =
          typeof flags.report === 'string'
            ? flags.report
            : outputPath(file, options.data.targetLanguage, 'json', flags.out).replace(
                /\.json$/u,
                '.report.json',
              );
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, `${JSON.stringify(outputs.report, null, 2)}\n`);
        written.push(path);
      }
      const seconds = progress.finish();
      if (result.engine.reason === 'pseudo-fallback')
        progress.note(
          'Engine: pseudo, because no translation engine is configured (offline pseudo-localisation, not a real translation; set an engine key such as DEEPL_AUTH_KEY or OPENAI_API_KEY)',
        );
      else if (result.pseudo)
        progress.note('Engine: pseudo (offline pseudo-localisation, not a real translation)');
      else
        progress.note(
          `Engine: ${result.engine.name} (${result.engine.model})${result.engine.reason === 'requested' ? '' : `, chosen by ${ENGINE_REASON[result.engine.reason]}`}`,
        );
      if (result.memoryError)
        progress.note(
          `warning: translation memory unavailable, translated without it (${result.memoryError}); --no-memory skips it`,
        );
      for (const w of result.warnings)
        if (w.kind !== 'pseudo_engine')
          progress.note(`warning (${w.kind}${w.page ? `, page ${w.page}` : ''}): ${w.message}`);
      const pages = result.source.pages.length;
      progress.note(
        `${pages === result.source.pageCount ? pages : `${pages} of ${result.source.pageCount}`} page(s), ${result.segments} segment(s), ${result.memoryHits} from memory, ` +
          `${result.requests} engine request(s), ${result.billedCharacters} billed character(s), ${seconds} s`,
      );
      if (outputs.report) progress.note(fidelityLine(outputs.report));
      for (const path of written) progress.note(`wrote ${path}`);
    });
}

/** One line of the fidelity report's numbers, printed after a `--report` run. */
export function fidelityLine(report: FidelityReport): string {
  const s = report.summary;
  const worst = s.worstPage
    ? `, worst page ${s.worstPage.page} (${(s.worstPage.coverage * 100).toFixed(1)}%)`
    : '';
  return (
    `Fidelity: ${(s.coverage * 100).toFixed(1)}% of ${s.words} prose words translated${worst}; ` +
    `${s.untranslated} segment(s) left untranslated, ${s.excluded} kept by policy (code, formulas, figures, fields); ` +
    `${s.shrunk} shrunk below ${Math.round(FIDELITY_SHRINK_THRESHOLD * 100)}%, ${s.overflowing} overflowing, ${s.overlaps} overlap(s), ` +
    `${s.missingGlyphs} missing glyph(s), ${s.notdef} .notdef`
  );
}
