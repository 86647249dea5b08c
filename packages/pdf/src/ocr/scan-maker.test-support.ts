import { execFileSync } from 'node:child_process';
import { PDFDocument } from 'pdf-lib';
import { corpusFile } from '@docat/testing';

/**
 * Test helpers (tests only): a page of a digital corpus file made into a scan, as a
 * scanner would give it: drawn by poppler at `dpi` in grey and placed as the only thing on
 * an image-only page of the same size. The original's text is then the truth to read back.
 */
export interface ScanOptions {
  dpi?: number;
  /** Only this part of the page, in points from the top-left corner: x, y, width, height. */
  crop?: [number, number, number, number];
}

export async function scanOf(
  file: string,
  page: number,
  opts: ScanOptions = {},
): Promise<Uint8Array> {
  const dpi = opts.dpi ?? 150;
  const px = (v: number) => String(Math.round((v * dpi) / 72));
  const crop = opts.crop
    ? [
        '-x',
        px(opts.crop[0]),
        '-y',
        px(opts.crop[1]),
        '-W',
        px(opts.crop[2]),
        '-H',
        px(opts.crop[3]),
      ]
    : [];
  const png = execFileSync(
    'pdftoppm',
    [
      '-r',
      String(dpi),
      '-f',
      String(page),
      '-l',
      String(page),
      '-gray',
      '-png',
      ...crop,
      corpusFile(file),
    ],
    { maxBuffer: 256 << 20 },
  );
  const out = await PDFDocument.create();
  const image = await out.embedPng(png);
  const width = (image.width * 72) / dpi;
  const height = (image.height * 72) / dpi;
  out.addPage([width, height]).drawImage(image, { x: 0, y: 0, width, height });
  return out.save();
}
