import type { Font, Glyph, Subset } from '@pdf-lib/fontkit';
import { PDFContext, PDFHexString, PDFRef, PDFString } from 'pdf-lib';
import type { FontFace } from './font-files.js';

/**
 * One output font as a subset: glyphs are added while text is set, and the PDF font
 * objects (Type0 / CIDFontType2, Identity-H, a CIDToGIDMap into the subset) are
 * written once at the end. Each CID maps back to the text it was drawn for in ToUnicode.
 */
export class EmbeddedFont {
  readonly ref: PDFRef;
  readonly unitsPerEm: number;
  private readonly subset: Subset;
  /** `glyph id|text` -> CID: one glyph drawn for different texts gets one CID per text. */
  private readonly cids = new Map<string, number>();
  private readonly subsetIds = new Map<number, number>();
  /** CID -> subset glyph id (the CIDToGIDMap). */
  private readonly gids: number[] = [0];
  private readonly advances = new Map<number, number>();
  private readonly unicode = new Map<number, string>();
  private written = false;

  constructor(
    readonly face: FontFace,
    readonly font: Font,
    context: PDFContext,
    /** PostScript name with the six-letter subset tag (PDF 2.0 §9.9.2). */
    readonly baseFont: string,
  ) {
    this.ref = context.nextRef();
    this.unitsPerEm = font.unitsPerEm;
    this.subset = evenGlyphSubset(font);
  }

  /**
   * Adds a glyph drawn for `text` to the subset and returns its CID (never 0). The
   * same glyph drawn for another text gets another CID, so ToUnicode is exact.
   */
  use(glyph: Glyph, text: string): number {
    const key = `${glyph.id}|${text}`;
    let cid = this.cids.get(key);
    if (cid !== undefined) return cid;
    let gid = this.subsetIds.get(glyph.id);
    if (gid === undefined) {
      gid = this.subset.includeGlyph(glyph.id);
      this.subsetIds.set(glyph.id, gid);
    }
    cid = this.gids.length;
    this.gids.push(gid);
    this.cids.set(key, cid);
    this.advances.set(cid, glyph.advanceWidth);
    if (text) this.unicode.set(cid, text);
    return cid;
  }

  /** Glyph advance in 1/1000 text space units, as written in /W. */
  width(cid: number): number {
    return Math.round(((this.advances.get(cid) ?? 0) * 1000) / this.unitsPerEm);
  }

  /** The text ToUnicode maps a CID to. */
  textOf(cid: number): string | undefined {
    return this.unicode.get(cid);
  }

  get glyphCount(): number {
    return this.subsetIds.size;
  }

  async write(context: PDFContext): Promise<void> {
    if (this.written) return;
    this.written = true;
    const fontFile = context.flateStream(await encodeSubset(this.subset));
    const scale = 1000 / this.unitsPerEm;
    const f = this.font;
    const bbox = f.bbox;
    const descriptor = context.obj({
      Type: 'FontDescriptor',
      FontName: this.baseFont,
      Flags: fontFlags(this.face),
      FontBBox: [bbox.minX * scale, bbox.minY * scale, bbox.maxX * scale, bbox.maxY * scale].map(
        Math.round,
      ),
      ItalicAngle: f.italicAngle,
      Ascent: Math.round(f.ascent * scale),
      Descent: Math.round(f.descent * scale),
      CapHeight: Math.round((f.capHeight || f.ascent) * scale),
      StemV: this.face.bold ? 140 : 80,
      FontFile2: context.register(fontFile),
    });
    const cidFont = context.obj({
      Type: 'Font',
      Subtype: 'CIDFontType2',
      BaseFont: this.baseFont,
      CIDSystemInfo: {
        Registry: PDFString.of('Adobe'),
        Ordering: PDFString.of('Identity'),
        Supplement: 0,
      },
      FontDescriptor: context.register(descriptor),
      DW: 1000,
      W: this.widthArray(),
      CIDToGIDMap: context.register(context.flateStream(this.cidToGidMap())),
    });
    const toUnicode = context.flateStream(this.toUnicodeCMap());
    const type0 = context.obj({
      Type: 'Font',
      Subtype: 'Type0',
      BaseFont: this.baseFont,
      Encoding: 'Identity-H',
      DescendantFonts: [context.register(cidFont)],
      ToUnicode: context.register(toUnicode),
    });
    context.assign(this.ref, type0);
  }

  private cidToGidMap(): Uint8Array {
    const out = new Uint8Array(this.gids.length * 2);
    this.gids.forEach((gid, cid) => {
      out[cid * 2] = gid >> 8;
      out[cid * 2 + 1] = gid & 0xff;
    });
    return out;
  }

  private widthArray(): (number | number[])[] {
    const cids = [...this.advances.keys()].sort((a, b) => a - b);
    const out: (number | number[])[] = [];
    let run: number[] = [];
    let start = -2;
    let prev = -2;
    for (const cid of cids) {
      if (cid !== prev + 1) {
        if (run.length > 0) out.push(start, run);
        run = [];
        start = cid;
      }
      run.push(this.width(cid));
      prev = cid;
    }
    if (run.length > 0) out.push(start, run);
    return out;
  }

  private toUnicodeCMap(): string {
    const entries = [...this.unicode.entries()].sort((a, b) => a[0] - b[0]);
    const lines: string[] = [];
    for (let i = 0; i < entries.length; i += 100) {
      const chunk = entries.slice(i, i + 100);
      lines.push(`${chunk.length} beginbfchar`);
      for (const [cid, text] of chunk) lines.push(`<${hex4(cid)}> <${utf16Hex(text)}>`);
      lines.push('endbfchar');
    }
    return [
      '/CIDInit /ProcSet findresource begin',
      '12 dict begin',
      'begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
      '/CMapName /Adobe-Identity-UCS def',
      '/CMapType 2 def',
      '1 begincodespacerange',
      '<0000> <ffff>',
      'endcodespacerange',
      ...lines,
      'endcmap',
      'CMapName currentdict /CMap defineresource pop',
      'end',
      'end',
    ].join('\n');
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

export function utf16Hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += hex4(text.charCodeAt(i));
  return out;
}

/** UTF-16BE with BOM, as PDF text strings (ActualText) are written. */
export function pdfTextString(text: string): PDFHexString {
  return PDFHexString.of(`feff${utf16Hex(text)}`);
}

function fontFlags(face: FontFace): number {
  const serif =
    face.family === 'serif' || face.family === 'serif-jp' || face.family === 'naskh-arabic';
  // Symbolic (bit 3): glyphs outside the standard Latin set; required for Identity-encoded TrueType.
  let flags = 1 << 2;
  if (serif) flags |= 1 << 1;
  if (face.italic) flags |= 1 << 6;
  return flags;
}

interface TTFSubsetInternals {
  glyf?: Uint8Array[];
  offset?: number;
  _addGlyph?: (gid: number) => number;
}

/**
 * fontkit's TrueType subsetter copies glyph records byte for byte and then writes a
 * short `loca` (offsets / 2) whenever the glyph data is small, so any odd-length glyph
 * shifts every later glyph by a byte and they draw as nothing (Noto CJK and Devanagari
 * have many). Padding each glyph record to an even length, which the format allows,
 * keeps every offset exact.
 */
function evenGlyphSubset(font: Font): Subset {
  const subset = font.createSubset();
  const internals = subset as unknown as TTFSubsetInternals;
  const addGlyph = internals._addGlyph;
  if (typeof addGlyph !== 'function') return subset;
  internals._addGlyph = (gid: number): number => {
    const index = addGlyph.call(subset, gid);
    const glyf = internals.glyf!;
    const record = glyf[index]!;
    if (record.length % 2 === 1) {
      // The encoder only accepts its own (bundled) Buffer class.
      const BufferClass = record.constructor as new (size: number) => Uint8Array;
      const padded = new BufferClass(record.length + 1);
      padded.set(record);
      padded[record.length] = 0;
      glyf[index] = padded;
      internals.offset! += 1;
    }
    return index;
  };
  return subset;
}

function encodeSubset(subset: Subset): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    const stream = subset.encodeStream() as unknown as {
      on(event: 'data', cb: (b: Uint8Array) => void): unknown;
      on(event: 'end', cb: () => void): unknown;
      on(event: 'error', cb: (e: unknown) => void): unknown;
    };
    stream.on('data', (b) => parts.push(b));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

/** A six-letter subset tag derived from `seed`, as PDF writers put before a subset's name. */
export function subsetTag(seed: number): string {
  let s = '';
  let n = seed >>> 0;
  for (let i = 0; i < 6; i++) {
    s += String.fromCharCode(65 + (n % 26));
    n = Math.floor(n / 26) + (i + 1) * 7919;
  }
  return s;
}
