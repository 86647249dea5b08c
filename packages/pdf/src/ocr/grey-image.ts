/**
 * A page drawn for OCR is handed to the engine as an 8-bit grey image in binary PGM (`P5`):
 * the engines read it as they read PNG (both binaries' image library, Leptonica, knows it), it
 * needs no compression (a PNG of a 200 dpi page cost about 0.3-0.4 s of CPU to encode, and the
 * engine as much again to decode and to turn to grey), and the ink tests read its bytes as they
 * are.
 */
export interface GreyImage {
  width: number;
  height: number;
  /** One byte a pixel, rows top first, 0 black to 255 white. */
  data: Uint8Array;
}

/**
 * `rgba` (4 bytes a pixel, opaque) to grey, with the luma weights of ITU-R BT.601, written
 * into `into` (`width * height` bytes) when given.
 */
export function greyOfRgba(
  rgba: Uint8Array,
  width: number,
  height: number,
  into?: Uint8Array,
): GreyImage {
  const n = width * height;
  const data = into ?? new Uint8Array(n);
  for (let i = 0, o = 0; i < n; i++, o += 4)
    // 0.299, 0.587, 0.114 in 1/1024ths, rounded.
    data[i] = (rgba[o]! * 306 + rgba[o + 1]! * 601 + rgba[o + 2]! * 117 + 512) >> 10;
  return { width, height, data };
}

const pgmHeader = (width: number, height: number) =>
  Buffer.from(`P5\n${width} ${height}\n255\n`, 'latin1');

/** The image as a binary PGM file. */
export function toPgm(image: GreyImage): Buffer {
  return Buffer.concat([pgmHeader(image.width, image.height), image.data]);
}

/** A binary PGM of `rgba` (4 bytes a pixel, opaque) in grey, made in one buffer. */
export function pgmOfRgba(rgba: Uint8Array, width: number, height: number): Buffer {
  const header = pgmHeader(width, height);
  const file = Buffer.allocUnsafe(header.length + width * height);
  header.copy(file);
  greyOfRgba(rgba, width, height, file.subarray(header.length));
  return file;
}

/** Whether `file` is a binary PGM (`P5`). */
export function isPgm(file: Uint8Array): boolean {
  return file[0] === 0x50 && file[1] === 0x35;
}

/** A binary PGM of 8-bit samples read back (the form `toPgm` writes, comments allowed). */
export function readPgm(file: Uint8Array): GreyImage {
  if (!isPgm(file)) throw new Error('Not a binary PGM image');
  const fields: number[] = [];
  let at = 2;
  while (fields.length < 3) {
    const c = file[at];
    if (c === undefined) throw new Error('Truncated PGM header');
    if (c === 0x23) {
      while (at < file.length && file[at] !== 0x0a) at++;
    } else if (c >= 0x30 && c <= 0x39) {
      let v = 0;
      while (file[at]! >= 0x30 && file[at]! <= 0x39) v = v * 10 + file[at++]! - 0x30;
      fields.push(v);
      continue;
    }
    at++;
  }
  const [width, height, max] = fields as [number, number, number];
  at++; // The one whitespace byte after the maximum.
  if (max !== 255) throw new Error(`PGM of ${max} levels: only 8-bit PGM is read`);
  if (file.length - at < width * height) throw new Error('Truncated PGM data');
  return { width, height, data: file.subarray(at, at + width * height) };
}

/** `image` turned clockwise by `degrees` (90, 180 or 270). */
export function rotateGrey(image: GreyImage, degrees: 90 | 180 | 270): GreyImage {
  const { width: w, height: h, data: src } = image;
  const data = new Uint8Array(w * h);
  if (degrees === 180) {
    for (let i = 0, n = w * h; i < n; i++) data[n - 1 - i] = src[i]!;
    return { width: w, height: h, data };
  }
  // Turned a quarter: the result is h wide and w high.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      // Clockwise: (x, y) goes to (h - 1 - y, x); counter-clockwise: to (y, w - 1 - x).
      const to = degrees === 90 ? x * h + (h - 1 - y) : (w - 1 - x) * h + y;
      data[to] = src[row + x]!;
    }
  }
  return { width: h, height: w, data };
}
