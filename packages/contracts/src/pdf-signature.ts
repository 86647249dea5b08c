/**
 * Recognises a PDF by its header while the upload streams. PDF readers accept the
 * `%PDF-` header anywhere in the first 1024 bytes; Docat tolerates only what real
 * files carry in front of it (a UTF-8 byte order mark, then PDF white-space), so a
 * renamed PNG or an HTML page is refused without opening anything.
 */
export const PDF_HEADER = Buffer.from('%PDF-', 'latin1');

/** The header must start within this many bytes. */
export const PDF_HEADER_WINDOW = 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** PDF white-space characters (ISO 32000-2, 7.2.3): NUL, HT, LF, FF, CR, SP. */
function isPdfWhiteSpace(byte: number): boolean {
  return (
    byte === 0x00 ||
    byte === 0x09 ||
    byte === 0x0a ||
    byte === 0x0c ||
    byte === 0x0d ||
    byte === 0x20
  );
}

export type SignatureVerdict = 'pdf' | 'not-pdf' | 'need-more';

/**
 * Judge the first bytes of an upload. `need-more` means every byte so far is
 * consistent with a PDF header that has not fully arrived; at the end of the stream
 * that counts as `not-pdf`.
 */
export function sniffPdfSignature(head: Uint8Array): SignatureVerdict {
  let i = 0;
  let bom = 0;
  while (bom < UTF8_BOM.length && i < head.length && head[i] === UTF8_BOM[bom]) {
    i++;
    bom++;
  }
  if (bom > 0 && bom < UTF8_BOM.length) return i === head.length ? 'need-more' : 'not-pdf';
  while (i < head.length && isPdfWhiteSpace(head[i]!)) {
    if (i >= PDF_HEADER_WINDOW) return 'not-pdf';
    i++;
  }
  if (i >= PDF_HEADER_WINDOW) return 'not-pdf';
  for (let k = 0; k < PDF_HEADER.length; k++) {
    if (i + k >= head.length) return 'need-more';
    if (head[i + k] !== PDF_HEADER[k]) return 'not-pdf';
  }
  return 'pdf';
}

/** Bytes to buffer at most before a verdict is certain. */
export const PDF_SNIFF_LIMIT = PDF_HEADER_WINDOW + PDF_HEADER.length;
