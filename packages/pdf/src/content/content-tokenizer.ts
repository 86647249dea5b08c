import type { ContentOp, ContentToken, ContentValue, InlineImage } from './content-types.js';

// Byte classes of PDF 2.0 §7.2.3.
const WHITE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WHITE[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;
const isRegular = (c: number): boolean => WHITE[c] === 0 && DELIM[c] === 0;

/** Deepest array/dict nesting accepted; deeper input is flattened rather than recursed into. */
const MAX_NESTING = 64;
const NUMBER_RE = /^[+-]*(\d+\.?\d*|\.\d+)$/;
const LOOSE_NUMBER_RE = /^[+-]*[\d.]+[-\d.]*$/;

// ISO-8859-1 proper: TextDecoder's 'latin1' label is windows-1252 and would remap 0x80-0x9f.
const asText = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * A content-stream lexer (PDF 2.0 §7.2, §7.3, §8.9.7 for inline images). It never throws:
 * bytes it cannot read become `junk` tokens and an unterminated construct ends at the end
 * of input. Every step consumes at least one byte, so it always terminates.
 */
export class ContentLexer {
  private pos = 0;
  private depth = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  next(): ContentToken | null {
    const b = this.bytes;
    this.skipWhite();
    if (this.pos >= b.length) return null;
    const start = this.pos;
    const c = b[this.pos]!;
    if (c === 0x25 /* % */) {
      let end = this.pos;
      while (end < b.length && b[end] !== 0x0a && b[end] !== 0x0d) end++;
      const text = asText(b.subarray(this.pos + 1, end));
      this.pos = end;
      return { type: 'comment', text, offset: start };
    }
    if (
      c === 0x5d /* ] */ ||
      c === 0x7b ||
      c === 0x7d ||
      c === 0x29 /* ) */ ||
      (c === 0x3e && b[this.pos + 1] !== 0x3e)
    ) {
      this.pos++;
      return { type: 'junk', bytes: b.subarray(start, this.pos), offset: start };
    }
    if (c === 0x3e /* >> stray */) {
      this.pos += 2;
      return { type: 'junk', bytes: b.subarray(start, this.pos), offset: start };
    }
    if (isRegular(c)) {
      const word = this.readRegular();
      const value = keywordValue(word);
      if (value) return { type: 'value', value, offset: start };
      if (word === 'BI') {
        const image = this.readInlineImage();
        return { type: 'inline-image', image, offset: start };
      }
      return { type: 'operator', name: word, offset: start };
    }
    const value = this.readValue();
    if (value) return { type: 'value', value, offset: start };
    if (this.pos === start) this.pos++;
    return { type: 'junk', bytes: b.subarray(start, this.pos), offset: start };
  }

  private skipWhite(): void {
    const b = this.bytes;
    while (this.pos < b.length && WHITE[b[this.pos]!] === 1) this.pos++;
  }

  private readRegular(): string {
    const b = this.bytes;
    const start = this.pos;
    while (this.pos < b.length && isRegular(b[this.pos]!)) this.pos++;
    return asText(b.subarray(start, this.pos));
  }

  /** Reads a value starting at a delimiter or a regular word; null when none starts here. */
  private readValue(): ContentValue | null {
    const b = this.bytes;
    this.skipWhite();
    if (this.pos >= b.length) return null;
    const c = b[this.pos]!;
    if (c === 0x2f /* / */) return this.readName();
    if (c === 0x28 /* ( */) return this.readLiteralString();
    if (c === 0x3c /* < */) {
      if (b[this.pos + 1] === 0x3c) return this.readDict();
      return this.readHexString();
    }
    if (c === 0x5b /* [ */) return this.readArray();
    if (isRegular(c)) {
      const save = this.pos;
      const word = this.readRegular();
      const value = keywordValue(word);
      if (value) return value;
      this.pos = save;
      return null;
    }
    return null;
  }

  private readName(): ContentValue {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    while (this.pos < b.length && isRegular(b[this.pos]!)) {
      const c = b[this.pos]!;
      if (c === 0x23 /* # */) {
        const h = hexValue(b[this.pos + 1] ?? -1);
        const l = hexValue(b[this.pos + 2] ?? -1);
        if (h >= 0 && l >= 0) {
          out.push(h * 16 + l);
          this.pos += 3;
          continue;
        }
      }
      out.push(c);
      this.pos++;
    }
    return { kind: 'name', value: String.fromCharCode(...out) };
  }

  private readLiteralString(): ContentValue {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let nesting = 1;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x28) {
        nesting++;
        out.push(c);
      } else if (c === 0x29) {
        if (--nesting === 0) break;
        out.push(c);
      } else if (c === 0x5c /* \ */) {
        if (this.pos >= b.length) break;
        const e = b[this.pos++]!;
        switch (e) {
          case 0x6e:
            out.push(0x0a);
            break;
          case 0x72:
            out.push(0x0d);
            break;
          case 0x74:
            out.push(0x09);
            break;
          case 0x62:
            out.push(0x08);
            break;
          case 0x66:
            out.push(0x0c);
            break;
          case 0x0d:
            if (b[this.pos] === 0x0a) this.pos++;
            break;
          case 0x0a:
            break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let v = e - 0x30;
              for (let i = 0; i < 2; i++) {
                const d = b[this.pos];
                if (d === undefined || d < 0x30 || d > 0x37) break;
                v = v * 8 + (d - 0x30);
                this.pos++;
              }
              out.push(v & 0xff);
            } else {
              out.push(e);
            }
        }
      } else if (c === 0x0d) {
        // An unescaped end of line inside a string reads as a single LF (§7.3.4.2).
        if (b[this.pos] === 0x0a) this.pos++;
        out.push(0x0a);
      } else {
        out.push(c);
      }
    }
    return { kind: 'string', bytes: Uint8Array.from(out), hex: false };
  }

  private readHexString(): ContentValue {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let high = -1;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x3e) break;
      const v = hexValue(c);
      if (v < 0) continue;
      if (high < 0) high = v;
      else {
        out.push(high * 16 + v);
        high = -1;
      }
    }
    if (high >= 0) out.push(high * 16);
    return { kind: 'string', bytes: Uint8Array.from(out), hex: true };
  }

  private readArray(): ContentValue {
    const b = this.bytes;
    this.pos++;
    const items: ContentValue[] = [];
    this.depth++;
    try {
      for (;;) {
        this.skipWhite();
        if (this.pos >= b.length) break;
        const c = b[this.pos]!;
        if (c === 0x5d) {
          this.pos++;
          break;
        }
        if (c === 0x25) {
          this.next();
          continue;
        }
        if (this.depth > MAX_NESTING && (c === 0x5b || (c === 0x3c && b[this.pos + 1] === 0x3c))) {
          this.pos++;
          continue;
        }
        const value = this.readValue();
        // A keyword inside an array ends it: the keyword is then read as an operator.
        if (!value) break;
        items.push(value);
      }
    } finally {
      this.depth--;
    }
    return { kind: 'array', items };
  }

  private readDict(): ContentValue {
    const b = this.bytes;
    this.pos += 2;
    const entries: [string, ContentValue][] = [];
    this.depth++;
    try {
      for (;;) {
        this.skipWhite();
        if (this.pos >= b.length) break;
        const c = b[this.pos]!;
        if (c === 0x3e && b[this.pos + 1] === 0x3e) {
          this.pos += 2;
          break;
        }
        if (c === 0x25) {
          this.next();
          continue;
        }
        if (this.depth > MAX_NESTING && (c === 0x5b || (c === 0x3c && b[this.pos + 1] === 0x3c))) {
          this.pos++;
          continue;
        }
        const key = this.readValue();
        if (!key) break;
        if (key.kind !== 'name') continue;
        const value = this.readValue();
        if (!value) break;
        entries.push([key.value, value]);
      }
    } finally {
      this.depth--;
    }
    return { kind: 'dict', entries };
  }

  private readInlineImage(): InlineImage {
    const b = this.bytes;
    const dict: [string, ContentValue][] = [];
    for (;;) {
      this.skipWhite();
      if (this.pos >= b.length) return { dict, data: new Uint8Array(0) };
      if (b[this.pos] === 0x25) {
        this.next();
        continue;
      }
      if (isRegular(b[this.pos]!)) {
        const save = this.pos;
        const word = this.readRegular();
        if (word === 'ID') break;
        const value = keywordValue(word);
        if (!value) continue;
        this.pos = save;
      }
      const key = this.readValue();
      if (!key) {
        this.pos++;
        continue;
      }
      if (key.kind !== 'name') continue;
      const value = this.readValue();
      if (!value) continue;
      dict.push([key.value, value]);
    }
    // Exactly one white-space byte separates ID from the data (§8.9.7).
    if (this.pos < b.length && WHITE[b[this.pos]!] === 1) this.pos++;
    const start = this.pos;
    const end = findInlineImageEnd(b, start, dict);
    const data = b.slice(start, end.dataEnd);
    this.pos = end.next;
    return { dict, data };
  }
}

function keywordValue(word: string): ContentValue | null {
  if (word === 'true') return { kind: 'bool', value: true };
  if (word === 'false') return { kind: 'bool', value: false };
  if (word === 'null') return { kind: 'null' };
  const c = word.charCodeAt(0);
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return null;
  if (NUMBER_RE.test(word)) return { kind: 'number', value: parseNumber(word) };
  // Real files write things like "0.00-30" or "--5"; readers keep the leading number.
  if (LOOSE_NUMBER_RE.test(word)) return { kind: 'number', value: parseNumber(word) };
  return null;
}

function parseNumber(word: string): number {
  let i = 0;
  let negative = false;
  while (word[i] === '+' || word[i] === '-') {
    if (word[i] === '-') negative = true;
    i++;
  }
  const m = /^(\d*\.?\d*)/.exec(word.slice(i));
  const v = Number(m?.[1] ?? '0');
  const value = Number.isFinite(v) ? v : 0;
  return negative ? -value : value;
}

function dictNumber(dict: [string, ContentValue][], ...keys: string[]): number | undefined {
  for (const [k, v] of dict) if (keys.includes(k) && v.kind === 'number') return v.value;
  return undefined;
}

function dictValue(dict: [string, ContentValue][], ...keys: string[]): ContentValue | undefined {
  for (const [k, v] of dict) if (keys.includes(k)) return v;
  return undefined;
}

/** Size in bytes of an unfiltered inline image, or undefined when it has filters or odd parameters. */
function unfilteredImageSize(dict: [string, ContentValue][]): number | undefined {
  const filter = dictValue(dict, 'F', 'Filter');
  if (filter && !(filter.kind === 'array' && filter.items.length === 0)) return undefined;
  const w = dictNumber(dict, 'W', 'Width');
  const h = dictNumber(dict, 'H', 'Height');
  if (w === undefined || h === undefined || w <= 0 || h <= 0 || w > 1e5 || h > 1e5)
    return undefined;
  const isMask = dictValue(dict, 'IM', 'ImageMask');
  const bpc =
    isMask?.kind === 'bool' && isMask.value
      ? 1
      : (dictNumber(dict, 'BPC', 'BitsPerComponent') ?? 8);
  let comps = 1;
  const cs = dictValue(dict, 'CS', 'ColorSpace');
  if (!(isMask?.kind === 'bool' && isMask.value) && cs) {
    if (cs.kind === 'name') {
      if (cs.value === 'RGB' || cs.value === 'DeviceRGB' || cs.value === 'CalRGB') comps = 3;
      else if (cs.value === 'CMYK' || cs.value === 'DeviceCMYK') comps = 4;
      else if (
        cs.value === 'G' ||
        cs.value === 'DeviceGray' ||
        cs.value === 'I' ||
        cs.value === 'Indexed'
      )
        comps = 1;
      else return undefined;
    } else if (
      cs.kind === 'array' &&
      cs.items[0]?.kind === 'name' &&
      (cs.items[0].value === 'I' || cs.items[0].value === 'Indexed')
    ) {
      comps = 1;
    } else return undefined;
  }
  if (![1, 2, 4, 8, 16].includes(bpc)) return undefined;
  return Math.ceil((w * comps * bpc) / 8) * h;
}

/**
 * Where inline image data ends. Unfiltered data has a computable size, the way readers
 * consume it; filtered data ends at an `EI` preceded by white space and followed by
 * white space or end of input and then by text-like bytes, since binary data may
 * contain "EI" itself.
 */
function findInlineImageEnd(
  b: Uint8Array,
  start: number,
  dict: [string, ContentValue][],
): { dataEnd: number; next: number } {
  const declared = dictNumber(dict, 'L', 'Length');
  const size = declared !== undefined && declared >= 0 ? declared : unfilteredImageSize(dict);
  if (size !== undefined && start + size <= b.length) {
    let p = start + size;
    while (p < b.length && WHITE[b[p]!] === 1) p++;
    if (b[p] === 0x45 && b[p + 1] === 0x49 && (p + 2 >= b.length || !isRegular(b[p + 2]!))) {
      return { dataEnd: start + size, next: p + 2 };
    }
  }
  for (let p = start; p + 1 < b.length; p++) {
    if (b[p] !== 0x45 || b[p + 1] !== 0x49) continue;
    if (p > start && WHITE[b[p - 1]!] !== 1) continue;
    if (p + 2 < b.length && WHITE[b[p + 2]!] !== 1) continue;
    if (!looksLikeContent(b, p + 2)) continue;
    const dataEnd = p > start ? p - 1 : p;
    return { dataEnd, next: p + 2 };
  }
  return { dataEnd: b.length, next: b.length };
}

function looksLikeContent(b: Uint8Array, from: number): boolean {
  const end = Math.min(b.length, from + 32);
  for (let p = from; p < end; p++) {
    const c = b[p]!;
    if (WHITE[c] === 1) continue;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** All tokens of a content stream. Never throws. */
export function tokenize(bytes: Uint8Array): ContentToken[] {
  const lexer = new ContentLexer(bytes);
  const out: ContentToken[] = [];
  for (let t = lexer.next(); t; t = lexer.next()) out.push(t);
  return out;
}

/**
 * Groups tokens into operations. Comments and stray delimiters are dropped (readers
 * ignore them); operands left at the end are kept in a final op with `op === ''`.
 * Never throws.
 */
export function parseContent(bytes: Uint8Array): ContentOp[] {
  const lexer = new ContentLexer(bytes);
  const ops: ContentOp[] = [];
  let operands: ContentValue[] = [];
  for (let t = lexer.next(); t; t = lexer.next()) {
    if (t.type === 'value') operands.push(t.value);
    else if (t.type === 'operator') {
      ops.push({ op: t.name, operands });
      operands = [];
    } else if (t.type === 'inline-image') {
      ops.push({ op: 'BI', operands, inlineImage: t.image });
      operands = [];
    }
  }
  if (operands.length > 0) ops.push({ op: '', operands });
  return ops;
}
