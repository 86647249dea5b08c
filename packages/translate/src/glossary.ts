import { createHash } from 'node:crypto';
import { DocatError } from '@docat/contracts';
import type { GlossaryEntry } from './types.js';

export const GLOSSARY_MAX_BYTES = 1_000_000;
export const GLOSSARY_MAX_ENTRIES = 10_000;
export const GLOSSARY_MAX_TERM_CHARS = 500;

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
  const errors: { path: string; message: string }[] = [];
  const entries: GlossaryEntry[] = [];
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const line = index + 1;
    if (record.length === 1 && record[0]!.trim() === '') return;
    if (index === 0 && HEADER_TERMS.has(record[0]!.trim().toLowerCase())) return;
    if (record.length !== 2) {
      errors.push({ path: `line ${line}`, message: `expected 2 fields (term,translation), got ${record.length}` });
      return;
    }
    const term = record[0]!.trim();
    const translation = record[1]!.trim();
    if (term === '' || translation === '') {
      errors.push({ path: `line ${line}`, message: 'term and translation must not be empty' });
      return;
    }
    if (term.length > GLOSSARY_MAX_TERM_CHARS || translation.length > GLOSSARY_MAX_TERM_CHARS) {
      errors.push({ path: `line ${line}`, message: `fields are limited to ${GLOSSARY_MAX_TERM_CHARS} characters` });
      return;
    }
    const first = seen.get(term);
    if (first !== undefined) {
      errors.push({ path: `line ${line}`, message: `duplicate term "${term}" (first on line ${first})` });
      return;
    }
    seen.set(term, line);
    entries.push({ term, translation });
  });
  if (entries.length > GLOSSARY_MAX_ENTRIES) errors.push({ path: 'file', message: `at most ${GLOSSARY_MAX_ENTRIES} entries` });
  if (errors.length > 0) throw new DocatError('VALIDATION_FAILED', 'glossary CSV is not valid', { errors });
  return createGlossary(pair, entries);
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
