import { deflateSync } from 'node:zlib';
import { createCanvas } from '@napi-rs/canvas';

/** Words printed on the generated scan, one line each. */
export const LARGE_SCAN_LINES = [
  'Harbour lanterns glowed across',
  'the quiet northern village while',
  'fishermen mended their nets',
  'beside the crooked lighthouse.',
];

/**
 * A one-page PDF holding a grey scan of `width` x `height` pixels (9,000 x 12,000 by
 * default: 1,000 dpi over 9 x 12 inches) with no text layer: a few lines of large print on
 * white, Flate-compressed, so the file stays small on disk (about 1 MB) while the image
 * decodes to 108 MB. The print is drawn at a fifth of the size and enlarged, so making the
 * file needs little memory beyond the one decoded buffer being compressed.
 */
export function largeScanPdf(width = 9000, height = 12000, dpi = 1000): Buffer {
  const data = deflateSync(scanPixels(width, height), { level: 1 });
  return scanPdf(
    width,
    height,
    '/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode',
    data,
    dpi,
  );
}

/** The same scan stored as a grey JPEG (DCTDecode), as scanners write them. */
export async function largeJpegScanPdf(width = 9000, height = 12000): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const data = await sharp(scanPixels(width, height), {
    raw: { width, height, channels: 1 },
    limitInputPixels: false,
  })
    .jpeg({ quality: 75 })
    .toBuffer();
  return scanPdf(
    width,
    height,
    '/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode',
    data,
  );
}

/** The scan's grey pixels, rows top first. */
function scanPixels(width: number, height: number): Buffer {
  const factor = 5;
  const small = createCanvas(Math.ceil(width / factor), Math.ceil(height / factor));
  const ctx = small.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, small.width, small.height);
  ctx.fillStyle = '#000000';
  ctx.font = `${Math.round(small.width / 36)}px sans-serif`;
  LARGE_SCAN_LINES.forEach((line, i) =>
    ctx.fillText(line, small.width * 0.1, small.height * (0.12 + i * 0.05)),
  );
  const rgba = ctx.getImageData(0, 0, small.width, small.height).data;
  const grey = Buffer.alloc(width * height);
  // The canvas's size is read once: each read crosses into native code.
  const sw = small.width;
  const sh = small.height;
  for (let sy = 0; sy < sh; sy++) {
    const first = sy * factor * width;
    if (first >= grey.length) break;
    for (let x = 0; x < width; x++) grey[first + x] = rgba[(sy * sw + ((x / factor) | 0)) * 4]!;
    for (let k = 1; k < factor && sy * factor + k < height; k++)
      grey.copy(grey, first + k * width, first, first + width);
  }
  return grey;
}

/** A one-page PDF drawing one image stream over the whole page at `dpi` (the page's size follows). */
function scanPdf(width: number, height: number, format: string, data: Buffer, dpi = 1000): Buffer {
  const w = (width / dpi) * 72;
  const h = (height / dpi) * 72;
  const content = `q ${w} 0 0 ${h} 0 0 cm /Scan Do Q\n`;
  const objs: (string | Buffer)[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Scan 5 0 R >> >> /Contents 4 0 R >>`,
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    Buffer.concat([
      Buffer.from(
        `<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} ${format} /Length ${data.length} >>\nstream\n`,
        'latin1',
      ),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n', 'latin1')];
  let at = parts[0]!.length;
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(at);
    const b = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      Buffer.isBuffer(o) ? o : Buffer.from(o, 'latin1'),
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(b);
    at += b.length;
  });
  const xref = `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(
    Buffer.from(
      `${xref}trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}
