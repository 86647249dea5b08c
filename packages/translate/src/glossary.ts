import { createHash } from 'node:crypto';
import { DocatError, GLOSSARY_MAX_BYTES, GLOSSARY_MAX_ENTRIES, GLOSSARY_MAX_TERM_CHARS } from '@docat/contracts';
import type { GlossaryEntry } from './types.js';

// The bounds live with the wire schemas, which check them first.
export { GLOSSARY_MAX_BYTES, GLOSSARY_MAX_ENTRIES, GLOSSARY_MAX_TERM_CHARS };

export interface Glossary {
  source: string;
  target: string;
  entries: GlossaryEntry[];
  /** Content hash: changes whenever the pair or any entry changes; part of memory keys. */
  version: string;
}

/** RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsvRecords(input: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const endField = (): void => {
    record.push(field);
    field = '';
  };
  const endRecord = (): void => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < input.length) {
    const ch = input[i]!;
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\r' && input[i + 1] === '\n') {
      endRecord();
      i++;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new DocatError('VALIDATION_FAILED', 'glossary CSV has an unterminated quoted field');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

const HEADER_TERMS = new Set(['term', 'source', 'source_term']);

/** A term pair as given, with where it came from (`line 3`, `entries[2]`) for error messages. */
interface GivenEntry {
  term: string;
  translation: string;
  where: string;
}

type EntryError = { path: string; message: string };

/**
 * The rules every glossary's terms follow, whether imported as CSV or edited as a list:
 * fields are trimmed, neither may be empty or longer than GLOSSARY_MAX_TERM_CHARS, a term
 * appears once, and there are at most GLOSSARY_MAX_ENTRIES of them.
 */
function checkEntries(given: readonly GivenEntry[], errors: EntryError[]): GlossaryEntry[] {
  const entries: GlossaryEntry[] = [];
  const seen = new Map<string, string>();
  for (const { where, ...raw } of given) {
    const term = raw.term.trim();
    const translation = raw.translation.trim();
    if (term === '' || translation === '') {
      errors.push({ path: where, message: 'term and translation must not be empty' });
      continue;
    }
    if (term.length > GLOSSARY_MAX_TERM_CHARS || translation.length > GLOSSARY_MAX_TERM_CHARS) {
      errors.push({ path: where, message: `fields are limited to ${GLOSSARY_MAX_TERM_CHARS} characters` });
      continue;
    }
    const first = seen.get(term);
    if (first !== undefined) {
      errors.push({ path: where, message: `duplicate term "${term}" (first on ${first})` });
      continue;
    }
    seen.set(term, where);
    entries.push({ term, translation });
  }
  if (entries.length > GLOSSARY_MAX_ENTRIES) errors.push({ path: 'file', message: `at most ${GLOSSARY_MAX_ENTRIES} entries` });
  return entries;
}

/**
 * Parse a glossary CSV of `term,translation` rows. A header row is recognised by its
 * first cell (`term` or `source`). Empty lines are skipped; duplicate terms, rows of
 * the wrong width and oversized input are rejected with VALIDATION_FAILED.
 */
export function parseGlossaryCsv(csv: string | Uint8Array, pair: { source: string; target: string }): Glossary {
  const size = typeof csv === 'string' ? Buffer.byteLength(csv) : csv.byteLength;
  if (size > GLOSSARY_MAX_BYTES) throw new DocatError('VALIDATION_FAILED', `glossary CSV exceeds ${GLOSSARY_MAX_BYTES} bytes`);
  let text = typeof csv === 'string' ? csv : new TextDecoder('utf-8', { fatal: true }).decode(csv);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = parseCsvRecords(text);
  const errors: EntryError[] = [];
  const given: GivenEntry[] = [];
  records.forEach((record, index) => {
    const where = `line ${index + 1}`;
    if (record.length === 1 && record[0]!.trim() === '') return;
    if (index === 0 && HEADER_TERMS.has(record[0]!.trim().toLowerCase())) return;
    if (record.length !== 2) {
      errors.push({ path: where, message: `expected 2 fields (term,translation), got ${record.length}` });
      return;
    }
    given.push({ term: record[0]!, translation: record[1]!, where });
  });
  const entries = checkEntries(given, errors);
  if (errors.length > 0) throw new DocatError('VALIDATION_FAILED', 'glossary CSV is not valid', { errors });
  return createGlossary(pair, entries);
}

/** A glossary from an edited list of term pairs, under the same rules as a CSV import. */
export function glossaryFromEntries(entries: readonly GlossaryEntry[], pair: { source: string; target: string }): Glossary {
  const errors: EntryError[] = [];
  const checked = checkEntries(
    entries.map((e, i) => ({ term: e.term, translation: e.translation, where: `entries[${i}]` })),
    errors,
  );
  if (errors.length > 0) throw new DocatError('VALIDATION_FAILED', 'glossary entries are not valid', { errors });
  return createGlossary(pair, checked);
}

export function createGlossary(pair: { source: string; target: string }, entries: GlossaryEntry[]): Glossary {
  return { source: pair.source, target: pair.target, entries, version: glossaryVersion(pair, entries) };
}

/** Order-independent content hash of a glossary (first 16 hex digits of SHA-256). */
export function glossaryVersion(pair: { source: string; target: string }, entries: readonly GlossaryEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  const body = JSON.stringify([pair.source, pair.target, sorted.map((e) => [e.term, e.translation])]);
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** Serialize back to CSV (always quoted where needed, with a header). */
export function glossaryToCsv(glossary: Glossary): string {
  const quote = (s: string): string => (/[",\r\n]/u.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['term,translation', ...glossary.entries.map((e) => `${quote(e.term)},${quote(e.translation)}`)].join('\r\n') + '\r\n';
}
