// A generated book of any length for memory and speed runs: embedded TrueType fonts,
// headings, paragraphs, a table every seventh page, a drawn chart every fifth page and a
// distinct raster image every tenth, so pages differ the way a real book's do.
// Usage as a script: node bench/synthetic-book.ts <pages> <out.pdf>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

const require = createRequire(import.meta.url);
const serifDir = dirname(require.resolve('@expo-google-fonts/noto-serif/package.json'));

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an which have not were but all can ' +
  'memory page stream document layout reading order figure table caption column heading paragraph translation ' +
  'extraction engine worker process result measure value number system method analysis structure algorithm data ' +
  'between because through during without within against another however therefore although whether several'
).split(' ');

/** Deterministic pseudo-random numbers (mulberry32), so every run makes the same file. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rnd: () => number): string {
  const n = 8 + Math.floor(rnd() * 14);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]!);
  words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  return `${words.join(' ')}.`;
}

/** A greyscale PNG with a pattern that depends on `seed` (stored, not compressed away). */
function png(width: number, height: number, seed: number): Uint8Array {
  const rnd = random(seed);
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    for (let x = 0; x < width; x++)
      raw[y * (width + 1) + 1 + x] =
        (Math.sin(x / 7 + seed) * Math.cos(y / 11) * 100 + 128 + rnd() * 40) & 255;
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 255]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface Fonts {
  body: PDFFont;
  bold: PDFFont;
  code: PDFFont;
}

const W = 595.28;
const H = 841.89;
const M = 64;

const widths = new Map<string, number>();

/** Word widths are looked up once per font and size: measuring with fontkit is slow. */
function widthOf(font: PDFFont, word: string, size: number): number {
  const key = `${font.name} ${size} ${word}`;
  let w = widths.get(key);
  if (w === undefined) {
    w = font.widthOfTextAtSize(word, size);
    widths.set(key, w);
  }
  return w;
}

function wrap(
  page: PDFPage,
  text: string,
  y: number,
  font: PDFFont,
  size: number,
  x0 = M,
  width = W - 2 * M,
): number {
  let line = '';
  let used = 0;
  const leading = size * 1.35;
  const space = widthOf(font, ' ', size);
  for (const word of text.split(' ')) {
    const w = widthOf(font, word, size);
    if (line && used + space + w > width) {
      page.drawText(line, { x: x0, y, size, font });
      y -= leading;
      line = word;
      used = w;
    } else {
      used += (line ? space : 0) + w;
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) {
    page.drawText(line, { x: x0, y, size, font });
    y -= leading;
  }
  return y - size * 0.6;
}

async function addPage(doc: PDFDocument, fonts: Fonts, n: number): Promise<void> {
  const rnd = random(n * 7919);
  const page = doc.addPage([W, H]);
  let y = H - M;
  page.drawText(`Synthetic book - chapter ${Math.ceil(n / 12)}`, {
    x: M,
    y: H - 36,
    size: 8,
    font: fonts.body,
    color: rgb(0.4, 0.4, 0.4),
  });
  if (n % 12 === 1) {
    page.drawText(`Chapter ${Math.ceil(n / 12)}: ${sentence(rnd).slice(0, 40)}`, {
      x: M,
      y,
      size: 20,
      font: fonts.bold,
    });
    y -= 40;
  } else if (n % 3 === 0) {
    page.drawText(`${Math.ceil(n / 12)}.${n % 12} ${sentence(rnd).slice(0, 36)}`, {
      x: M,
      y,
      size: 13,
      font: fonts.bold,
    });
    y -= 24;
  }
  if (n % 5 === 0) {
    const top = y - 10;
    page.drawRectangle({
      x: M,
      y: top - 160,
      width: 260,
      height: 160,
      borderColor: rgb(0.2, 0.2, 0.2),
      borderWidth: 0.8,
    });
    for (let i = 0; i < 6; i++) {
      page.drawRectangle({
        x: M + 16 + i * 40,
        y: top - 150,
        width: 24,
        height: 20 + rnd() * 120,
        color: rgb(0.2, 0.4 + 0.05 * i, 0.7),
      });
    }
    page.drawText(`Figure ${n}. ${sentence(rnd).slice(0, 50)}`, {
      x: M,
      y: top - 176,
      size: 9,
      font: fonts.body,
    });
    y = top - 200;
  }
  if (n % 10 === 0) {
    const image = await doc.embedPng(png(240, 160, n));
    page.drawImage(image, { x: W - M - 180, y: y - 120, width: 180, height: 120 });
    y = wrap(
      page,
      `${sentence(rnd)} ${sentence(rnd)} ${sentence(rnd)}`,
      y,
      fonts.body,
      10.5,
      M,
      W - 2 * M - 200,
    );
    y -= 60;
  }
  if (n % 7 === 0) {
    const cols = [M, M + 120, M + 260];
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 3; c++) {
        const text =
          r === 0
            ? ['Name', 'Value', 'Remark'][c]!
            : c === 1
              ? String(Math.floor(rnd() * 10000))
              : WORDS[Math.floor(rnd() * WORDS.length)]!;
        page.drawText(text, {
          x: cols[c]! + 4,
          y: y - 14,
          size: 10,
          font: r === 0 ? fonts.bold : fonts.body,
        });
      }
      page.drawLine({ start: { x: M, y }, end: { x: M + 400, y }, thickness: 0.5 });
      y -= 20;
    }
    page.drawLine({ start: { x: M, y }, end: { x: M + 400, y }, thickness: 0.5 });
    y -= 24;
  }
  if (n % 4 === 2) {
    for (const line of [
      'for (let i = 0; i < pages.length; i++) {',
      '  const page = await doc.getPage(i + 1);',
      '  layout(page);',
      '}',
    ]) {
      page.drawText(line, { x: M + 12, y, size: 9, font: fonts.code });
      y -= 12;
    }
    y -= 10;
  }
  while (y > M + 40) {
    const sentences = Array.from({ length: 3 + Math.floor(rnd() * 4) }, () => sentence(rnd)).join(
      ' ',
    );
    y = wrap(page, sentences, y, fonts.body, 10.5);
  }
  page.drawText(String(n), { x: W / 2 - 6, y: 32, size: 9, font: fonts.body });
}

/** Bytes of a generated book of `pages` pages. */
export async function syntheticBook(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(`Synthetic book of ${pages} pages`);
  doc.setCreationDate(new Date(Date.UTC(2026, 0, 1)));
  doc.setModificationDate(new Date(Date.UTC(2026, 0, 1)));
  const fonts: Fonts = {
    body: await doc.embedFont(readFileSync(join(serifDir, '400Regular/NotoSerif_400Regular.ttf')), {
      subset: true,
    }),
    bold: await doc.embedFont(readFileSync(join(serifDir, '700Bold/NotoSerif_700Bold.ttf')), {
      subset: true,
    }),
    code: await doc.embedFont(StandardFonts.Courier),
  };
  for (let n = 1; n <= pages; n++) await addPage(doc, fonts, n);
  return doc.save({ useObjectStreams: true });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const pages = Number(process.argv[2] ?? 50);
  const out = process.argv[3] ?? `synthetic-${pages}.pdf`;
  writeFileSync(out, await syntheticBook(pages));
  console.log(`wrote ${out}`);
}
