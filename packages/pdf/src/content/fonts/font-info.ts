import { Font as StandardFont, type IFontNames } from '@pdf-lib/standard-fonts';
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFRef,
  PDFStream,
} from 'pdf-lib';
import type { Matrix } from '../content-types.js';
import { withoutSubsetTag } from '../../fonts/font-name.js';
import { decodeStreamData } from '../stream-data.js';
import { parseCMap, type CodespaceRange, type ParsedCMap } from './cmap-parser.js';
import {
  GLYPH_UNICODE,
  MAC_ROMAN_ENCODING,
  STANDARD_ENCODING,
  SYMBOL_ENCODING,
  WIN_ANSI_ENCODING,
  ZAPF_DINGBATS_ENCODING,
} from './encodings.data.js';

/** One character code read from a string operand. */
export interface CharCode {
  code: number;
  /** Byte offset and length inside the string. */
  offset: number;
  length: number;
}

/**
 * What the interpreter needs from a font. Widths and vertical metrics are in text-space
 * units per unit of font size (glyph space / 1000 for all but Type3 fonts).
 */
export interface FontInfo {
  readonly baseFont: string;
  readonly subtype: string;
  readonly vertical: boolean;
  readonly type3Matrix?: Matrix;
  /** Glyph box top and bottom in text space per unit font size (poppler's rules). */
  readonly ascent: number;
  readonly descent: number;
  splitCodes(bytes: Uint8Array): CharCode[];
  width(code: number): number;
  /** Vertical writing: displacement w1y and position vector (vx, vy). */
  verticalMetrics(code: number): { w1: number; vx: number; vy: number };
  unicode(code: number): string;
  /** True when the code is the single-byte code 32, which receives word spacing. */
  isWordSpace(code: CharCode): boolean;
}

const STANDARD_14: Record<string, IFontNames> = {
  Courier: 'Courier',
  'Courier-Bold': 'Courier-Bold',
  'Courier-Oblique': 'Courier-Oblique',
  'Courier-BoldOblique': 'Courier-BoldOblique',
  Helvetica: 'Helvetica',
  'Helvetica-Bold': 'Helvetica-Bold',
  'Helvetica-Oblique': 'Helvetica-Oblique',
  'Helvetica-BoldOblique': 'Helvetica-BoldOblique',
  'Times-Roman': 'Times-Roman',
  'Times-Bold': 'Times-Bold',
  'Times-Italic': 'Times-Italic',
  'Times-BoldItalic': 'Times-BoldItalic',
  Symbol: 'Symbol',
  ZapfDingbats: 'ZapfDingbats',
  Arial: 'Helvetica',
  'Arial,Bold': 'Helvetica-Bold',
  'Arial,Italic': 'Helvetica-Oblique',
  'Arial,BoldItalic': 'Helvetica-BoldOblique',
  ArialMT: 'Helvetica',
  'Arial-BoldMT': 'Helvetica-Bold',
  TimesNewRoman: 'Times-Roman',
  'TimesNewRoman,Bold': 'Times-Bold',
  'TimesNewRoman,Italic': 'Times-Italic',
  'TimesNewRoman,BoldItalic': 'Times-BoldItalic',
  TimesNewRomanPSMT: 'Times-Roman',
  CourierNew: 'Courier',
  'CourierNew,Bold': 'Courier-Bold',
  CourierNewPSMT: 'Courier',
};

const standardFontCache = new Map<IFontNames, StandardFont>();
function standardFont(baseFont: string): StandardFont | undefined {
  const key = STANDARD_14[withoutSubsetTag(baseFont)];
  if (!key) return undefined;
  let font = standardFontCache.get(key);
  if (!font) {
    font = StandardFont.load(key);
    standardFontCache.set(key, font);
  }
  return font;
}

function resolve(context: PDFContext, obj: PDFObject | undefined): PDFObject | undefined {
  let v = obj;
  for (let i = 0; i < 8 && v instanceof PDFRef; i++) v = context.lookup(v);
  return v;
}

function numberAt(context: PDFContext, obj: PDFObject | undefined): number | undefined {
  const v = resolve(context, obj);
  return v instanceof PDFNumber ? v.asNumber() : undefined;
}

function dictGet(
  context: PDFContext,
  dict: PDFDict | undefined,
  key: string,
): PDFObject | undefined {
  return dict ? resolve(context, dict.get(PDFName.of(key))) : undefined;
}

function nameOf(obj: PDFObject | undefined): string | undefined {
  return obj instanceof PDFName ? obj.decodeText() : undefined;
}

function arrayNumbers(context: PDFContext, obj: PDFObject | undefined): number[] | undefined {
  const arr = obj instanceof PDFArray ? obj : undefined;
  if (!arr) return undefined;
  return arr.asArray().map((v) => numberAt(context, v) ?? 0);
}

function glyphNameUnicode(glyph: string): string {
  const known = GLYPH_UNICODE[glyph];
  if (known !== undefined) return String.fromCodePoint(known);
  let m = /^uni([0-9A-Fa-f]{4,})$/.exec(glyph);
  if (m) {
    let out = '';
    for (let i = 0; i + 4 <= m[1]!.length; i += 4)
      out += String.fromCharCode(parseInt(m[1]!.slice(i, i + 4), 16));
    return out;
  }
  m = /^u([0-9A-Fa-f]{4,6})$/.exec(glyph);
  if (m) {
    const cp = parseInt(m[1]!, 16);
    if (cp <= 0x10ffff) return String.fromCodePoint(cp);
  }
  const base = glyph.split('.')[0]!;
  if (base !== glyph && base) return glyphNameUnicode(base);
  return '';
}

function readToUnicode(context: PDFContext, dict: PDFDict): ParsedCMap | undefined {
  const stream = dictGet(context, dict, 'ToUnicode');
  if (!(stream instanceof PDFStream)) return undefined;
  try {
    return parseCMap(decodeStreamData(context, stream, 8 * 1024 * 1024));
  } catch {
    return undefined;
  }
}

function descriptorMetrics(
  context: PDFContext,
  descriptor: PDFDict | undefined,
  fallback: { ascent: number; descent: number },
): { ascent: number; descent: number } {
  // The same validation poppler applies: broken descriptors carry 0, negatives or 32768.
  let { ascent, descent } = fallback;
  const a = numberAt(context, descriptor?.get(PDFName.of('Ascent')));
  if (a !== undefined) {
    const t = Math.abs(a * 0.001);
    if (t !== 0 && t < 3) ascent = t;
  }
  const d = numberAt(context, descriptor?.get(PDFName.of('Descent')));
  if (d !== undefined) {
    const t = -Math.abs(d * 0.001);
    if (t !== 0 && t > -3) descent = t;
  }
  return { ascent, descent };
}

function baseEncodingFor(name: string | undefined): readonly string[] | undefined {
  if (name === 'WinAnsiEncoding') return WIN_ANSI_ENCODING;
  if (name === 'MacRomanEncoding') return MAC_ROMAN_ENCODING;
  if (name === 'StandardEncoding') return STANDARD_ENCODING;
  return undefined;
}

function simpleFont(context: PDFContext, dict: PDFDict, subtype: string): FontInfo {
  const baseFont = nameOf(dictGet(context, dict, 'BaseFont')) ?? '';
  const descriptor = dictGet(context, dict, 'FontDescriptor');
  const desc = descriptor instanceof PDFDict ? descriptor : undefined;
  const std = standardFont(baseFont);
  const flags = numberAt(context, desc?.get(PDFName.of('Flags'))) ?? 0;
  const symbolic = (flags & 4) !== 0 && (flags & 32) === 0;

  const stdKey = STANDARD_14[withoutSubsetTag(baseFont)];
  let builtin: readonly string[] = STANDARD_ENCODING;
  if (stdKey === 'Symbol') builtin = SYMBOL_ENCODING;
  else if (stdKey === 'ZapfDingbats') builtin = ZAPF_DINGBATS_ENCODING;
  else if (!std && symbolic) builtin = STANDARD_ENCODING;

  const encoding: string[] = [...builtin];
  const enc = dictGet(context, dict, 'Encoding');
  if (enc instanceof PDFName) {
    const base = baseEncodingFor(enc.decodeText());
    if (base) encoding.splice(0, 256, ...base);
  } else if (enc instanceof PDFDict) {
    const base = baseEncodingFor(nameOf(dictGet(context, enc, 'BaseEncoding')));
    if (base) encoding.splice(0, 256, ...base);
    const diffs = dictGet(context, enc, 'Differences');
    if (diffs instanceof PDFArray) {
      let code = 0;
      for (const item of diffs.asArray()) {
        const v = resolve(context, item);
        if (v instanceof PDFNumber) code = v.asNumber();
        else if (v instanceof PDFName && code >= 0 && code < 256) encoding[code++] = v.decodeText();
      }
    }
  }

  const firstChar = numberAt(context, dict.get(PDFName.of('FirstChar'))) ?? 0;
  const widths = arrayNumbers(context, dictGet(context, dict, 'Widths'));
  const missingWidth = numberAt(context, desc?.get(PDFName.of('MissingWidth'))) ?? 0;

  let type3Matrix: Matrix | undefined;
  let scale = 0.001;
  let metrics = { ascent: 0.95, descent: -0.35 };
  if (subtype === 'Type3') {
    const fm = arrayNumbers(context, dictGet(context, dict, 'FontMatrix'));
    type3Matrix = fm && fm.length === 6 ? (fm as Matrix) : [0.001, 0, 0, 0.001, 0, 0];
    scale = type3Matrix[0];
    const bbox = arrayNumbers(context, dictGet(context, dict, 'FontBBox'));
    if (bbox && bbox.length === 4 && bbox[3] !== bbox[1]) {
      const top = bbox[3]! * type3Matrix[3] + type3Matrix[5];
      const bottom = bbox[1]! * type3Matrix[3] + type3Matrix[5];
      metrics = { ascent: Math.max(top, bottom), descent: Math.min(top, bottom) };
    }
  } else if (std) {
    const ascender = typeof std.Ascender === 'number' ? std.Ascender : std.FontBBox[3];
    const descender = typeof std.Descender === 'number' ? std.Descender : std.FontBBox[1];
    metrics = { ascent: ascender / 1000, descent: descender / 1000 };
  }
  if (subtype !== 'Type3') metrics = descriptorMetrics(context, desc, metrics);

  const toUnicode = readToUnicode(context, dict);
  const widthCache = new Map<number, number>();
  return {
    baseFont,
    subtype,
    vertical: false,
    type3Matrix,
    ascent: metrics.ascent,
    descent: metrics.descent,
    splitCodes: (bytes) => Array.from(bytes, (code, offset) => ({ code, offset, length: 1 })),
    width(code) {
      let w = widthCache.get(code);
      if (w !== undefined) return w;
      if (widths && code >= firstChar && code < firstChar + widths.length)
        w = widths[code - firstChar]! * scale;
      else if (!widths && std)
        w = ((std.getWidthOfGlyph(encoding[code] ?? '') as number | undefined) ?? 0) / 1000;
      else w = missingWidth * scale;
      widthCache.set(code, w);
      return w;
    },
    verticalMetrics: () => ({ w1: -1, vx: 0, vy: 0.88 }),
    unicode(code) {
      const mapped = toUnicode?.unicode.get(code);
      if (mapped !== undefined) return mapped;
      const glyph = encoding[code];
      return glyph ? glyphNameUnicode(glyph) : '';
    },
    isWordSpace: (c) => c.code === 32,
  };
}

/** Code lengths of predefined CMaps other than Identity, from their codespace ranges (Adobe CMap files). */
function predefinedCodespace(name: string): CodespaceRange[] {
  if (/RKSJ/.test(name)) {
    return [
      { length: 1, low: 0x00, high: 0x80 },
      { length: 1, low: 0xa0, high: 0xdf },
      { length: 2, low: 0x8140, high: 0x9ffc },
      { length: 2, low: 0xe040, high: 0xfcfc },
    ];
  }
  if (/EUC|GBK|GBpc|GBT|B5pc|ETen|HKscs|KSC|KSCms|UHC|CNS|HKdla|HKgccs|HKm/.test(name)) {
    return [
      { length: 1, low: 0x00, high: 0x80 },
      { length: 2, low: 0x8140, high: 0xfefe },
    ];
  }
  if (/UTF8/.test(name)) {
    return [
      { length: 1, low: 0x00, high: 0x7f },
      { length: 2, low: 0xc280, high: 0xdfbf },
      { length: 3, low: 0xe08080, high: 0xefbfbf },
      { length: 4, low: 0xf0808080, high: 0xf48fbfbf },
    ];
  }
  if (/UTF32/.test(name)) return [{ length: 4, low: 0, high: 0x10ffff }];
  return [{ length: 2, low: 0, high: 0xffff }];
}

function splitWithCodespace(bytes: Uint8Array, ranges: CodespaceRange[]): CharCode[] {
  const out: CharCode[] = [];
  const minLength = ranges.length ? Math.min(...ranges.map((r) => r.length)) : 2;
  let i = 0;
  while (i < bytes.length) {
    let code = 0;
    let matched = 0;
    for (let n = 1; n <= 4 && i + n <= bytes.length; n++) {
      code = code * 256 + bytes[i + n - 1]!;
      if (ranges.some((r) => r.length === n && code >= r.low && code <= r.high)) {
        matched = n;
        break;
      }
    }
    const length = matched || Math.min(minLength, bytes.length - i);
    let value = 0;
    for (let k = 0; k < length; k++) value = value * 256 + bytes[i + k]!;
    out.push({ code: value, offset: i, length });
    i += length;
  }
  return out;
}

function compositeFont(context: PDFContext, dict: PDFDict): FontInfo {
  const baseFont = nameOf(dictGet(context, dict, 'BaseFont')) ?? '';
  const descendants = dictGet(context, dict, 'DescendantFonts');
  const first = descendants instanceof PDFArray ? resolve(context, descendants.get(0)) : undefined;
  const cidFont = first instanceof PDFDict ? first : undefined;
  const enc = dictGet(context, dict, 'Encoding');
  let codespace: CodespaceRange[];
  let vertical = false;
  let cmap: ParsedCMap | undefined;
  let identity = false;
  if (enc instanceof PDFName) {
    const n = enc.decodeText();
    vertical = n.endsWith('-V');
    identity = n === 'Identity-H' || n === 'Identity-V';
    codespace = identity ? [{ length: 2, low: 0, high: 0xffff }] : predefinedCodespace(n);
  } else if (enc instanceof PDFStream) {
    cmap = parseCMap(decodeStreamData(context, enc, 8 * 1024 * 1024));
    const wmode = numberAt(context, enc.dict.get(PDFName.of('WMode')));
    vertical = cmap.vertical || wmode === 1;
    codespace = cmap.codespace.length ? cmap.codespace : predefinedCodespace(cmap.usecmap ?? '');
    identity =
      cmap.cids.size === 0 && cmap.cidRanges.length === 0 && /Identity/.test(cmap.usecmap ?? '');
  } else {
    codespace = [{ length: 2, low: 0, high: 0xffff }];
    identity = true;
  }
  const toCid = (code: number): number => {
    if (identity || !cmap) return code;
    const direct = cmap.cids.get(code);
    if (direct !== undefined) return direct;
    for (const r of cmap.cidRanges)
      if (code >= r.low && code <= r.high) return r.cid + (code - r.low);
    return 0;
  };

  const dw = numberAt(context, cidFont?.get(PDFName.of('DW'))) ?? 1000;
  const widths = new Map<number, number>();
  const w = cidFont ? dictGet(context, cidFont, 'W') : undefined;
  if (w instanceof PDFArray) {
    const items = w.asArray().map((v) => resolve(context, v));
    let budget = 1_000_000;
    for (let i = 0; i < items.length && budget > 0;) {
      const start = items[i] instanceof PDFNumber ? (items[i] as PDFNumber).asNumber() : undefined;
      const next = items[i + 1];
      if (start === undefined) {
        i++;
        continue;
      }
      if (next instanceof PDFArray) {
        next.asArray().forEach((v, k) => widths.set(start + k, numberAt(context, v) ?? dw));
        budget -= next.size();
        i += 2;
      } else {
        const end = next instanceof PDFNumber ? next.asNumber() : start;
        const width = numberAt(context, items[i + 2]) ?? dw;
        for (let c = start; c <= end && budget > 0; c++, budget--) widths.set(c, width);
        i += 3;
      }
    }
  }
  const dw2 = arrayNumbers(context, cidFont ? dictGet(context, cidFont, 'DW2') : undefined) ?? [
    880, -1000,
  ];
  const vMetrics = new Map<number, [number, number, number]>();
  const w2 = cidFont ? dictGet(context, cidFont, 'W2') : undefined;
  if (w2 instanceof PDFArray) {
    const items = w2.asArray().map((v) => resolve(context, v));
    let budget = 1_000_000;
    for (let i = 0; i < items.length && budget > 0;) {
      const start = items[i] instanceof PDFNumber ? (items[i] as PDFNumber).asNumber() : undefined;
      const next = items[i + 1];
      if (start === undefined) {
        i++;
        continue;
      }
      if (next instanceof PDFArray) {
        const v = next.asArray().map((x) => numberAt(context, x) ?? 0);
        for (let k = 0; k + 2 < v.length; k += 3)
          vMetrics.set(start + k / 3, [v[k]!, v[k + 1]!, v[k + 2]!]);
        budget -= v.length;
        i += 2;
      } else {
        const end = next instanceof PDFNumber ? next.asNumber() : start;
        const m: [number, number, number] = [
          numberAt(context, items[i + 2]) ?? 0,
          numberAt(context, items[i + 3]) ?? 0,
          numberAt(context, items[i + 4]) ?? 0,
        ];
        for (let c = start; c <= end && budget > 0; c++, budget--) vMetrics.set(c, m);
        i += 5;
      }
    }
  }
  const descriptor = cidFont ? dictGet(context, cidFont, 'FontDescriptor') : undefined;
  const metrics = descriptorMetrics(
    context,
    descriptor instanceof PDFDict ? descriptor : undefined,
    {
      ascent: 0.95,
      descent: -0.35,
    },
  );
  const toUnicode = readToUnicode(context, dict);
  return {
    baseFont,
    subtype: 'Type0',
    vertical,
    ascent: metrics.ascent,
    descent: metrics.descent,
    splitCodes: (bytes) => splitWithCodespace(bytes, codespace),
    width: (code) => (widths.get(toCid(code)) ?? dw) / 1000,
    verticalMetrics(code) {
      const cid = toCid(code);
      const m = vMetrics.get(cid);
      if (m) return { w1: m[0] / 1000, vx: m[1] / 1000, vy: m[2] / 1000 };
      return { w1: dw2[1]! / 1000, vx: (widths.get(cid) ?? dw) / 2000, vy: dw2[0]! / 1000 };
    },
    unicode: (code) => toUnicode?.unicode.get(code) ?? '',
    // Word spacing applies to the single-byte code 32 only (PDF 2.0 §9.3.3).
    isWordSpace: (c) => c.length === 1 && c.code === 32,
  };
}

const FALLBACK_FONT: FontInfo = {
  baseFont: '',
  subtype: 'missing',
  vertical: false,
  ascent: 0.95,
  descent: -0.35,
  splitCodes: (bytes) => Array.from(bytes, (code, offset) => ({ code, offset, length: 1 })),
  width: () => 0.5,
  verticalMetrics: () => ({ w1: -1, vx: 0.25, vy: 0.88 }),
  unicode: (code) => (code >= 32 && code < 127 ? String.fromCharCode(code) : ''),
  isWordSpace: (c) => c.code === 32,
};

/** Font model for a font dictionary; cached per dictionary in `cache`. Never throws. */
export function fontInfo(
  context: PDFContext,
  fontObj: PDFObject | undefined,
  cache: Map<object, unknown>,
): FontInfo {
  const dict = resolve(context, fontObj);
  if (!(dict instanceof PDFDict)) return FALLBACK_FONT;
  const cached = cache.get(dict);
  if (cached) return cached as FontInfo;
  let info: FontInfo;
  try {
    const subtype = nameOf(dictGet(context, dict, 'Subtype')) ?? 'Type1';
    info = subtype === 'Type0' ? compositeFont(context, dict) : simpleFont(context, dict, subtype);
  } catch {
    info = FALLBACK_FONT;
  }
  cache.set(dict, info);
  return info;
}
