import { inflateSync } from 'node:zlib';

/**
 * The page count a PDF declares, read from its page tree (`/Root` -> `/Pages` ->
 * `/Count`) through the cross-reference sections, with a handful of small range reads:
 * cheap enough to run while an upload is accepted, and no content is ever parsed. It
 * reads classic xref tables, xref streams (Flate, PNG predictors), hybrid files and
 * object streams, following `/Prev` chains. Anything it does not understand, or that
 * would take more than its bounds allow, answers null: the caller then falls back to the
 * full probe in the sandbox. It never decides whether the file is valid: that is the
 * sandbox's job, when the file is opened.
 */

/** Reads `[start, end]` (inclusive, clamped to the file) of the file. */
export type RangeRead = (start: number, end: number) => Promise<Uint8Array>;

export interface PageTreeLimits {
  /** Most range reads; default 32. */
  maxReads: number;
  /** Most bytes in one read; default 256 KiB. */
  maxReadBytes: number;
  /** Most bytes one inflated stream may yield; default 8 MiB. */
  maxInflatedBytes: number;
  /** Most xref sections followed through `/Prev`; default 64. */
  maxSections: number;
}

const DEFAULT_LIMITS: PageTreeLimits = {
  maxReads: 32,
  maxReadBytes: 256 * 1024,
  maxInflatedBytes: 8 * 1024 * 1024,
  maxSections: 64,
};
const SMALL_FILE = 64 * 1024;
/** First read of an xref section or object stream; longer ones take another read. */
const SECTION_READ = 16 * 1024;
const TAIL_READ = 32 * 1024;
/** Beyond any real document; a larger count is a lie the sandbox would refuse anyway. */
const MAX_COUNT = 10_000_000;

class Unreadable extends Error {}

type Value = number | string | Ref | Value[] | Dict | null;
interface Ref {
  ref: number;
}
type Dict = Map<string, Value>;
type Entry =
  | { type: 1; offset: number }
  | { type: 1; entryAt: number }
  | { type: 2; stream: number; index: number };
/** One xref section, read lazily: a table's subsections (20-byte entries at `dataAt`) or a decoded xref stream. */
type Section =
  | { kind: 'table'; subsections: { start: number; count: number; dataAt: number }[] }
  | { kind: 'stream'; data: Buffer; widths: [number, number, number]; index: number[] };

const isRef = (v: Value | undefined): v is Ref =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
const isDict = (v: Value | undefined): v is Dict => v instanceof Map;

export async function pageTreeCount(
  read: RangeRead,
  size: number,
  limits: Partial<PageTreeLimits> = {},
): Promise<number | null> {
  try {
    return await new PageTreeReader(read, size, { ...DEFAULT_LIMITS, ...limits }).count();
  } catch (err) {
    if (err instanceof Unreadable) return null;
    throw err;
  }
}

class PageTreeReader {
  private reads = 0;
  /** Newest first: the first section that lists an object defines it. */
  private readonly sections: Section[] = [];
  private readonly objStreams = new Map<
    number,
    { text: string; first: number; offsets: Map<number, number> }
  >();
  private encrypted = false;
  private whole: string | undefined;
  /** What was fetched so far, by where it starts in the file. */
  private readonly fetched: { start: number; text: string }[] = [];

  constructor(
    private readonly source: RangeRead,
    private readonly size: number,
    private readonly limits: PageTreeLimits,
  ) {}

  async count(): Promise<number> {
    if (this.size < 32) throw new Unreadable();
    // The tail holds `startxref`; read enough of it that a file's last xref section (and
    // often the objects written just before it) come with the same round trip.
    const tailStart = Math.max(0, this.size - TAIL_READ);
    const tail = await this.read(tailStart, this.size - 1);
    const at = tail.lastIndexOf('startxref');
    if (at < 0) throw new Unreadable();
    const offset = Number(/^startxref\s+(\d+)/.exec(tail.slice(at))?.[1] ?? NaN);
    let root: Value | undefined;
    const pending = [offset];
    const seen = new Set<number>();
    while (pending.length > 0) {
      const at = pending.shift()!;
      if (!Number.isSafeInteger(at) || at < 0 || at >= this.size) throw new Unreadable();
      // A section reached twice (a /Prev loop, or an XRefStm that is also a /Prev) is read once.
      if (seen.has(at)) continue;
      if (seen.size >= this.limits.maxSections) throw new Unreadable();
      seen.add(at);
      const trailer = await this.section(at);
      root ??= trailer.get('Root');
      if (trailer.has('Encrypt')) this.encrypted = true;
      // A hybrid file's xref stream comes before its /Prev (PDF 32000 7.5.8.4).
      const stm = trailer.get('XRefStm');
      if (typeof stm === 'number') pending.unshift(stm);
      const prev = trailer.get('Prev');
      if (typeof prev === 'number') pending.push(prev);
    }
    if (!isRef(root)) throw new Unreadable();
    const catalog = await this.object(root.ref);
    const pagesRef = isDict(catalog) ? catalog.get('Pages') : undefined;
    if (!isRef(pagesRef)) throw new Unreadable();
    const pages = await this.object(pagesRef.ref);
    const count = isDict(pages) ? await this.direct(pages.get('Count')) : undefined;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_COUNT)
      throw new Unreadable();
    return count;
  }

  private async read(start: number, end: number): Promise<string> {
    const last = Math.min(end, this.size - 1);
    if (start < 0 || start > last) throw new Unreadable();
    // A small file is read whole, once: fewer round trips than its sections would take.
    if (this.size <= SMALL_FILE && this.whole === undefined) {
      if (++this.reads > this.limits.maxReads) throw new Unreadable();
      this.whole = Buffer.from(await this.source(0, this.size - 1)).toString('latin1');
    }
    if (this.whole !== undefined) return this.whole.slice(start, last + 1);
    // A range inside one already fetched is answered from it: each fetch is a round trip to
    // storage, and the trailer, the xref section and the first objects often share one.
    for (const chunk of this.fetched)
      if (start >= chunk.start && last < chunk.start + chunk.text.length)
        return chunk.text.slice(start - chunk.start, last - chunk.start + 1);
    if (++this.reads > this.limits.maxReads || last - start + 1 > this.limits.maxReadBytes)
      throw new Unreadable();
    const text = Buffer.from(await this.source(start, last)).toString('latin1');
    this.fetched.push({ start, text });
    return text;
  }

  /** Reads the xref section at `at` into `entries` (newer sections first, so existing entries win); answers its trailer. */
  private async section(at: number): Promise<Dict> {
    const text = await this.read(at, at + SECTION_READ - 1);
    const head = /^\s*/.exec(text)![0].length;
    if (text.startsWith('xref', head)) return this.table(at, text, head + 4);
    const parser = new Parser(text, head);
    parser.objectHeader();
    const dict = parser.value();
    if (!isDict(dict) || dict.get('Type') !== 'XRef') throw new Unreadable();
    const data = await this.streamData(dict, at, parser);
    this.xrefStream(dict, data);
    return dict;
  }

  private async table(at: number, first: string, from: number): Promise<Dict> {
    const subsections: { start: number; count: number; dataAt: number }[] = [];
    this.sections.push({ kind: 'table', subsections });
    let text = first;
    let base = at;
    let pos = from;
    for (;;) {
      const header = /^\s*(\d+)\s+(\d+)[ \t]*\r?\n?/.exec(text.slice(pos, pos + 64));
      if (!header) break;
      const start = Number(header[1]);
      const count = Number(header[2]);
      const dataAt = base + pos + header[0].length;
      if (!Number.isSafeInteger(start + count)) throw new Unreadable();
      // Entries are 20 bytes each; only the ones asked for later are read.
      subsections.push({ start, count, dataAt });
      const next = dataAt + 20 * count;
      if (next - base + 64 > text.length) {
        text = await this.read(next, next + SECTION_READ - 1);
        base = next;
        pos = 0;
      } else pos = next - base;
    }
    const trailerAt = text.indexOf('trailer', pos);
    if (trailerAt < 0 || trailerAt - pos > 64) throw new Unreadable();
    const trailer = new Parser(text, trailerAt + 7).value();
    if (!isDict(trailer)) throw new Unreadable();
    return trailer;
  }

  private xrefStream(dict: Dict, data: Buffer): void {
    const w = dict.get('W');
    if (
      !Array.isArray(w) ||
      w.length !== 3 ||
      !w.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 8)
    )
      throw new Unreadable();
    const sizeValue = dict.get('Size');
    const index = dict.get('Index') ?? [0, typeof sizeValue === 'number' ? sizeValue : 0];
    if (
      !Array.isArray(index) ||
      index.length % 2 !== 0 ||
      !index.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
    )
      throw new Unreadable();
    const widths = w as [number, number, number];
    if (widths[0] + widths[1] + widths[2] === 0) throw new Unreadable();
    this.sections.push({ kind: 'stream', data, widths, index: index as number[] });
  }

  /** Where object `num` is, per the newest section that lists it. */
  private entry(num: number): Entry | null {
    for (const section of this.sections) {
      if (section.kind === 'table') {
        const sub = section.subsections.find((s) => num >= s.start && num < s.start + s.count);
        if (sub) return { type: 1, entryAt: sub.dataAt + 20 * (num - sub.start) };
        continue;
      }
      const [w0, w1, w2] = section.widths;
      const rowBytes = w0 + w1 + w2;
      let row = 0;
      for (let k = 0; k < section.index.length; k += 2) {
        const start = section.index[k]!;
        const count = section.index[k + 1]!;
        if (num >= start && num < start + count) {
          const at = (row + num - start) * rowBytes;
          if (at + rowBytes > section.data.length) throw new Unreadable();
          const field = (from: number, width: number): number => {
            let n = 0;
            for (let i = 0; i < width; i++) n = n * 256 + section.data[from + i]!;
            return n;
          };
          const type = w0 === 0 ? 1 : field(at, w0);
          const a = field(at + w0, w1);
          const b = field(at + w0 + w1, w2);
          if (type === 1) return { type: 1, offset: a };
          if (type === 2) return { type: 2, stream: a, index: b };
          return null;
        }
        row += count;
      }
    }
    return null;
  }

  /** The raw (decoded) data of the stream whose dictionary `parser` just read, the object starting at `objectAt`. */
  private async streamData(dict: Dict, objectAt: number, parser: Parser): Promise<Buffer> {
    const length = await this.direct(dict.get('Length'));
    if (typeof length !== 'number' || length < 0 || length > this.limits.maxReadBytes)
      throw new Unreadable();
    const keyword = /^\s*stream\r?\n/.exec(parser.rest(32));
    if (!keyword) throw new Unreadable();
    const dataAt = objectAt + parser.pos + keyword[0].length;
    const have = parser.text.length - (parser.pos + keyword[0].length);
    const raw =
      have >= length
        ? Buffer.from(
            parser.text.slice(
              parser.pos + keyword[0].length,
              parser.pos + keyword[0].length + length,
            ),
            'latin1',
          )
        : Buffer.from(await this.read(dataAt, dataAt + length - 1), 'latin1');
    return this.decode(dict, raw);
  }

  private decode(dict: Dict, raw: Buffer): Buffer {
    const filter = dict.get('Filter');
    const filters = Array.isArray(filter) ? filter : filter === undefined ? [] : [filter];
    if (filters.length === 0) return raw;
    if (filters.length !== 1 || filters[0] !== 'FlateDecode') throw new Unreadable();
    let data: Buffer;
    try {
      data = inflateSync(raw, { maxOutputLength: this.limits.maxInflatedBytes });
    } catch {
      throw new Unreadable();
    }
    const params = dict.get('DecodeParms');
    const predictor = isDict(params) ? params.get('Predictor') : undefined;
    if (predictor === undefined || predictor === 1) return data;
    if (typeof predictor !== 'number' || predictor < 10) throw new Unreadable();
    const columns = isDict(params) ? (params.get('Columns') ?? 1) : 1;
    if (typeof columns !== 'number' || columns < 1 || columns > 64) throw new Unreadable();
    return unpredictPng(data, columns);
  }

  /** A value with an indirect reference resolved (one level). */
  private async direct(value: Value | undefined): Promise<Value | undefined> {
    return isRef(value) ? this.object(value.ref) : value;
  }

  private async object(num: number): Promise<Value> {
    const entry = this.entry(num);
    if (!entry) throw new Unreadable();
    if (entry.type === 2) {
      // Object streams are encrypted with the file: their content needs the key.
      if (this.encrypted) throw new Unreadable();
      const stream = await this.objectStream(entry.stream);
      const offset = stream.offsets.get(num);
      if (offset === undefined) throw new Unreadable();
      return new Parser(stream.text, stream.first + offset).value();
    }
    const offset = 'entryAt' in entry ? await this.tableOffset(entry.entryAt) : entry.offset;
    const text = await this.read(offset, offset + 8 * 1024 - 1);
    const parser = new Parser(text, 0);
    parser.objectHeader(num);
    return parser.value();
  }

  private async tableOffset(entryAt: number): Promise<number> {
    const entry = /^(\d{10}) (\d{5}) ([nf])/.exec(await this.read(entryAt, entryAt + 19));
    if (!entry || entry[3] !== 'n') throw new Unreadable();
    return Number(entry[1]);
  }

  private async objectStream(num: number) {
    const known = this.objStreams.get(num);
    if (known) return known;
    const entry = this.entry(num);
    if (!entry || entry.type !== 1) throw new Unreadable();
    const at = 'entryAt' in entry ? await this.tableOffset(entry.entryAt) : entry.offset;
    const parser = new Parser(await this.read(at, at + SECTION_READ - 1), 0);
    parser.objectHeader(num);
    const dict = parser.value();
    if (!isDict(dict)) throw new Unreadable();
    const data = (await this.streamData(dict, at, parser)).toString('latin1');
    const n = dict.get('N');
    const first = dict.get('First');
    if (typeof n !== 'number' || typeof first !== 'number' || first > data.length)
      throw new Unreadable();
    const numbers = data.slice(0, first).trim().split(/\s+/).map(Number);
    const offsets = new Map<number, number>();
    for (let i = 0; i + 1 < numbers.length && i < 2 * n; i += 2)
      offsets.set(numbers[i]!, numbers[i + 1]!);
    const stream = { text: data, first, offsets };
    this.objStreams.set(num, stream);
    return stream;
  }
}

function unpredictPng(data: Buffer, columns: number): Buffer {
  const rowBytes = columns + 1;
  const rows = Math.floor(data.length / rowBytes);
  const out = Buffer.alloc(rows * columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * rowBytes]!;
    for (let c = 0; c < columns; c++) {
      const x = data[r * rowBytes + 1 + c]!;
      const left = c > 0 ? out[r * columns + c - 1]! : 0;
      const up = r > 0 ? out[(r - 1) * columns + c]! : 0;
      const upLeft = r > 0 && c > 0 ? out[(r - 1) * columns + c - 1]! : 0;
      let value: number;
      switch (type) {
        case 0:
          value = x;
          break;
        case 1:
          value = x + left;
          break;
        case 2:
          value = x + up;
          break;
        case 3:
          value = x + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          value = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw new Unreadable();
      }
      out[r * columns + c] = value & 0xff;
    }
  }
  return out;
}

const DELIMITERS = new Set(['(', ')', '<', '>', '[', ']', '{', '}', '/', '%']);
const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\f' || c === '\0';

/** Just enough of the PDF object syntax for dictionaries, arrays, names, numbers and references. */
class Parser {
  private depth = 0;

  constructor(
    readonly text: string,
    public pos: number,
  ) {}

  rest(n: number): string {
    return this.text.slice(this.pos, this.pos + n);
  }

  objectHeader(num?: number): void {
    this.skip();
    const header = /^(\d+)\s+(\d+)\s+obj\b/.exec(this.rest(40));
    if (!header || (num !== undefined && Number(header[1]) !== num)) throw new Unreadable();
    this.pos += header[0].length;
  }

  private skip(): void {
    for (;;) {
      while (isSpace(this.text[this.pos])) this.pos++;
      if (this.text[this.pos] !== '%') return;
      while (
        this.pos < this.text.length &&
        this.text[this.pos] !== '\n' &&
        this.text[this.pos] !== '\r'
      )
        this.pos++;
    }
  }

  value(): Value {
    this.skip();
    if (this.pos >= this.text.length) throw new Unreadable();
    const c = this.text[this.pos]!;
    if (c === '<' && this.text[this.pos + 1] === '<') return this.dict();
    if (c === '[') return this.array();
    if (c === '/') return this.name();
    if (c === '(') return this.literalString();
    if (c === '<') {
      const end = this.text.indexOf('>', this.pos);
      if (end < 0) throw new Unreadable();
      this.pos = end + 1;
      return null;
    }
    const number = /^[+-]?(\d+\.?\d*|\.\d+)/.exec(this.rest(32));
    if (number) {
      this.pos += number[0].length;
      const ref = /^\s+(\d+)\s+R\b/.exec(this.rest(24));
      if (ref && /^\d+$/.test(number[0])) {
        this.pos += ref[0].length;
        return { ref: Number(number[0]) };
      }
      return Number(number[0]);
    }
    const word = /^[a-z]+/.exec(this.rest(8));
    if (word) {
      this.pos += word[0].length;
      return null;
    }
    throw new Unreadable();
  }

  private nest(): void {
    if (++this.depth > 64) throw new Unreadable();
  }

  private dict(): Dict {
    this.nest();
    this.pos += 2;
    const out: Dict = new Map();
    for (;;) {
      this.skip();
      if (this.text.startsWith('>>', this.pos)) {
        this.pos += 2;
        this.depth--;
        return out;
      }
      const key = this.value();
      if (typeof key !== 'string') throw new Unreadable();
      out.set(key, this.value());
    }
  }

  private array(): Value[] {
    this.nest();
    this.pos += 1;
    const out: Value[] = [];
    for (;;) {
      this.skip();
      if (this.text[this.pos] === ']') {
        this.pos += 1;
        this.depth--;
        return out;
      }
      if (out.length > 100_000) throw new Unreadable();
      out.push(this.value());
    }
  }

  private name(): string {
    let end = this.pos + 1;
    while (end < this.text.length && !isSpace(this.text[end]) && !DELIMITERS.has(this.text[end]!))
      end++;
    const name = this.text
      .slice(this.pos + 1, end)
      .replace(/#([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    this.pos = end;
    return name;
  }

  private literalString(): null {
    let depth = 0;
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (c === '\\') this.pos++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        this.pos++;
        return null;
      }
    }
    throw new Unreadable();
  }
}
