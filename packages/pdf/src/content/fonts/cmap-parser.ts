import { ContentLexer } from '../content-tokenizer.js';
import type { ContentValue } from '../content-types.js';

export interface CodespaceRange {
  length: number;
  low: number;
  high: number;
}

/** What the engine reads from a CMap or ToUnicode stream (PDF 2.0 §9.7.5, §9.10.3). */
export interface ParsedCMap {
  codespace: CodespaceRange[];
  /** Code -> CID, for embedded encoding CMaps. */
  cids: Map<number, number>;
  cidRanges: { low: number; high: number; length: number; cid: number }[];
  /** Code -> Unicode text, for ToUnicode CMaps. */
  unicode: Map<number, string>;
  vertical: boolean;
  usecmap?: string;
}

/** Bound on bfrange/cidrange expansion: hostile ranges may span 2^32 codes. */
const MAX_RANGE_EXPANSION = 65536;
const MAX_TOKENS = 2_000_000;

const bytesToInt = (bytes: Uint8Array): number => {
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  return v;
};

function utf16be(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2)
    out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  if (bytes.length % 2 === 1) out += String.fromCharCode(bytes[bytes.length - 1]!);
  return out;
}

function bumpLast(bytes: Uint8Array, by: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  if (copy.length === 0) return copy;
  let carry = by;
  for (let i = copy.length - 1; i >= 0 && carry > 0; i--) {
    const v = copy[i]! + carry;
    copy[i] = v & 0xff;
    carry = v >> 8;
  }
  return copy;
}

/** Parses a CMap program. Never throws; unknown syntax is skipped. */
export function parseCMap(bytes: Uint8Array): ParsedCMap {
  const result: ParsedCMap = {
    codespace: [],
    cids: new Map(),
    cidRanges: [],
    unicode: new Map(),
    vertical: false,
  };
  const lexer = new ContentLexer(bytes);
  const stack: ContentValue[] = [];
  let mode: '' | 'codespace' | 'bfchar' | 'bfrange' | 'cidchar' | 'cidrange' = '';
  let count = 0;
  for (let t = lexer.next(); t && count < MAX_TOKENS; t = lexer.next(), count++) {
    if (t.type === 'value') {
      stack.push(t.value);
      if (stack.length > 1024) stack.shift();
      continue;
    }
    if (t.type !== 'operator') continue;
    const word = t.name;
    if (word === 'begincodespacerange') mode = 'codespace';
    else if (word === 'beginbfchar') mode = 'bfchar';
    else if (word === 'beginbfrange') mode = 'bfrange';
    else if (word === 'begincidchar') mode = 'cidchar';
    else if (word === 'begincidrange') mode = 'cidrange';
    else if (word.startsWith('end') && mode) {
      applyBlock(result, mode, stack);
      mode = '';
    } else if (word === 'usecmap') {
      const last = stack[stack.length - 1];
      if (last?.kind === 'name') result.usecmap = last.value;
    } else if (word === 'def') {
      const value = stack[stack.length - 1];
      const key = stack[stack.length - 2];
      if (key?.kind === 'name' && key.value === 'WMode' && value?.kind === 'number')
        result.vertical = value.value === 1;
    }
    if (!mode) stack.length = 0;
    else if (word.startsWith('begin')) stack.length = 0;
  }
  return result;
}

function applyBlock(result: ParsedCMap, mode: string, values: ContentValue[]): void {
  if (mode === 'codespace') {
    for (let i = 0; i + 1 < values.length; i += 2) {
      const lo = values[i]!;
      const hi = values[i + 1]!;
      if (
        lo.kind !== 'string' ||
        hi.kind !== 'string' ||
        lo.bytes.length === 0 ||
        lo.bytes.length > 4
      )
        continue;
      result.codespace.push({
        length: lo.bytes.length,
        low: bytesToInt(lo.bytes),
        high: bytesToInt(hi.bytes),
      });
    }
  } else if (mode === 'bfchar') {
    for (let i = 0; i + 1 < values.length; i += 2) {
      const src = values[i]!;
      const dst = values[i + 1]!;
      if (src.kind !== 'string') continue;
      if (dst.kind === 'string') result.unicode.set(bytesToInt(src.bytes), utf16be(dst.bytes));
      else if (dst.kind === 'name') result.unicode.set(bytesToInt(src.bytes), dst.value);
    }
  } else if (mode === 'bfrange') {
    for (let i = 0; i + 2 < values.length; i += 3) {
      const lo = values[i]!;
      const hi = values[i + 1]!;
      const dst = values[i + 2]!;
      if (lo.kind !== 'string' || hi.kind !== 'string') continue;
      const low = bytesToInt(lo.bytes);
      const high = Math.min(bytesToInt(hi.bytes), low + MAX_RANGE_EXPANSION);
      for (let code = low; code <= high; code++) {
        if (dst.kind === 'string')
          result.unicode.set(code, utf16be(bumpLast(dst.bytes, code - low)));
        else if (dst.kind === 'array') {
          const item = dst.items[code - low];
          if (item?.kind === 'string') result.unicode.set(code, utf16be(item.bytes));
        }
      }
    }
  } else if (mode === 'cidchar') {
    for (let i = 0; i + 1 < values.length; i += 2) {
      const src = values[i]!;
      const dst = values[i + 1]!;
      if (src.kind === 'string' && dst.kind === 'number')
        result.cids.set(bytesToInt(src.bytes), dst.value);
    }
  } else if (mode === 'cidrange') {
    for (let i = 0; i + 2 < values.length; i += 3) {
      const lo = values[i]!;
      const hi = values[i + 1]!;
      const dst = values[i + 2]!;
      if (lo.kind !== 'string' || hi.kind !== 'string' || dst.kind !== 'number') continue;
      result.cidRanges.push({
        low: bytesToInt(lo.bytes),
        high: bytesToInt(hi.bytes),
        length: lo.bytes.length,
        cid: dst.value,
      });
    }
  }
}
