import { DocatError, ENGINE_NAMES } from '@docat/contracts';
import {
  memoryEntry,
  type MemoryContext,
  type MemoryEntry,
  type TranslationMemory,
} from './translation-memory.js';
import type { EngineName, Formality } from '../types.js';

/**
 * TMX 1.4 exchange of an account's memory. Each `<tu>` carries the memory context as
 * `x-docat-*` props, so an exported file edited in a CAT tool and imported again
 * overwrites exactly the entries it came from (the key is recomputed, never trusted).
 * Placeholder tokens (`⟦n⟧`) stay literal text inside `<seg>`.
 */

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function unescapeXml(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, c: string) =>
      c.replace(/&/g, '&amp;').replace(/</g, '&lt;'),
    )
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function tmxDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const PROPS: [keyof MemoryEntry, string][] = [
  ['engine', 'x-docat-engine'],
  ['model', 'x-docat-model'],
  ['glossaryId', 'x-docat-glossary-id'],
  ['glossaryVersion', 'x-docat-glossary-version'],
  ['formality', 'x-docat-formality'],
  ['promptVersion', 'x-docat-prompt-version'],
];

export async function exportTmx(memory: TranslationMemory, accountId: string): Promise<string> {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<tmx version="1.4">',
    '  <header creationtool="docat" creationtoolversion="1" segtype="sentence" o-tmf="docat-memory" adminlang="en" srclang="*all*" datatype="plaintext"/>',
    '  <body>',
  ];
  for await (const e of memory.list(accountId)) {
    const props = PROPS.filter(([k]) => e[k] !== undefined && e[k] !== '').map(
      ([k, type]) => `      <prop type="${type}">${escapeXml(String(e[k]))}</prop>`,
    );
    parts.push(
      `    <tu tuid="${e.key}" srclang="${escapeXml(e.source)}"${e.createdAt ? ` creationdate="${tmxDate(e.createdAt)}"` : ''}>`,
      ...props,
      `      <tuv xml:lang="${escapeXml(e.source)}"><seg>${escapeXml(e.sourceText)}</seg></tuv>`,
      `      <tuv xml:lang="${escapeXml(e.target)}"><seg>${escapeXml(e.targetText)}</seg></tuv>`,
      '    </tu>',
    );
  }
  parts.push('  </body>', '</tmx>', '');
  return parts.join('\n');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'u').exec(tag);
  return m ? unescapeXml(m[1] ?? m[2] ?? '') : undefined;
}

function normalizeLang(lang: string): string {
  const lower = lang.toLowerCase();
  if (lower === 'zh-hant' || lower === 'zh-tw' || lower === 'zh-hk') return 'zh-Hant';
  return lower.split(/[-_]/u)[0]!;
}

/** Text of a `<seg>`: inline TMX elements (`<ph>`, `<bpt>`, ...) dropped with their content, other tags unwrapped. */
function segText(inner: string): string {
  return unescapeXml(
    inner
      .replace(/<(ph|bpt|ept|it|ut)\b[^>]*>[\s\S]*?<\/\1>|<(ph|bpt|ept|it|ut)\b[^>]*\/>/gu, '')
      .replace(/<[^>]+>/gu, ''),
  );
}

export interface TmxImportOptions {
  /** Entries always go to this account, whatever the file says. */
  accountId: string;
  /** Context for units without `x-docat-*` props (files from other tools). */
  defaults?: Partial<
    Pick<
      MemoryContext,
      'engine' | 'model' | 'glossaryVersion' | 'formality' | 'promptVersion' | 'source' | 'target'
    >
  >;
  maxBytes?: number;
}

export interface TmxImportResult {
  imported: number;
  skipped: number;
}

export function parseTmx(
  xml: string,
  options: TmxImportOptions,
): { entries: MemoryEntry[]; skipped: number } {
  if (xml.length > (options.maxBytes ?? 50_000_000))
    throw new DocatError('PAYLOAD_TOO_LARGE', 'TMX file is too large');
  if (!/<tmx\b/u.test(xml)) throw new DocatError('VALIDATION_FAILED', 'not a TMX document');
  const header = /<header\b[^>]*>/u.exec(xml)?.[0] ?? '';
  const headerSource = attr(header, 'srclang');
  const entries: MemoryEntry[] = [];
  let skipped = 0;
  for (const tu of xml.matchAll(/<tu\b([^>]*)>([\s\S]*?)<\/tu>/gu)) {
    const body = tu[2]!;
    const props = new Map<string, string>();
    for (const p of body.matchAll(/<prop\b([^>]*)>([\s\S]*?)<\/prop>/gu)) {
      const type = attr(p[1]!, 'type');
      if (type) props.set(type, unescapeXml(p[2]!));
    }
    const tuvs = [
      ...body.matchAll(/<tuv\b([^>]*)>[\s\S]*?<seg>([\s\S]*?)<\/seg>[\s\S]*?<\/tuv>/gu),
    ].map((m) => ({
      lang: normalizeLang(attr(m[1]!, 'xml:lang') ?? attr(m[1]!, 'lang') ?? ''),
      text: segText(m[2]!),
    }));
    const unitSource =
      attr(tu[1]!, 'srclang') ??
      (headerSource && headerSource !== '*all*' ? headerSource : undefined);
    const sourceLang = unitSource
      ? normalizeLang(unitSource)
      : (options.defaults?.source ?? tuvs[0]?.lang);
    const source = tuvs.find((t) => t.lang === sourceLang);
    const target = tuvs.find(
      (t) =>
        t.lang !== sourceLang && (!options.defaults?.target || t.lang === options.defaults.target),
    );
    const engine = props.get('x-docat-engine') ?? options.defaults?.engine;
    const model = props.get('x-docat-model') ?? options.defaults?.model;
    if (
      !source ||
      !target ||
      !engine ||
      !model ||
      !(ENGINE_NAMES as readonly string[]).includes(engine) ||
      source.text.trim() === ''
    ) {
      skipped++;
      continue;
    }
    const formality = props.get('x-docat-formality') ?? options.defaults?.formality;
    const context: MemoryContext = {
      accountId: options.accountId,
      engine: engine as EngineName,
      model,
      source: source.lang,
      target: target.lang,
      ...((props.get('x-docat-glossary-version') ?? options.defaults?.glossaryVersion)
        ? {
            glossaryVersion:
              props.get('x-docat-glossary-version') ?? options.defaults?.glossaryVersion,
          }
        : {}),
      ...(formality === 'more' || formality === 'less'
        ? { formality: formality as Formality }
        : {}),
      ...((props.get('x-docat-prompt-version') ?? options.defaults?.promptVersion)
        ? { promptVersion: props.get('x-docat-prompt-version') ?? options.defaults?.promptVersion }
        : {}),
    };
    entries.push(memoryEntry(context, source.text, target.text, props.get('x-docat-glossary-id')));
  }
  return { entries, skipped };
}

export async function importTmx(
  memory: TranslationMemory,
  xml: string,
  options: TmxImportOptions,
): Promise<TmxImportResult> {
  const { entries, skipped } = parseTmx(xml, options);
  await memory.putMany(entries);
  return { imported: entries.length, skipped };
}
