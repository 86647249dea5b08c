import { DocatError } from '@docat/contracts/core';
import { PDFDocument, PDFWriter } from 'pdf-lib';
import {
  mayBeEncrypted,
  parseAndDecrypt,
  type EncryptionInfo,
} from '../crypto/decrypt-document.js';

export interface OpenPdfOptions {
  /** User or owner password. The empty user password is always tried first. */
  password?: string;
  /**
   * Refuse files whose permissions forbid copying text (`PDF_COPY_PROTECTED`). Default
   * true; deployments turn it off with RESPECT_PDF_PERMISSIONS=false.
   */
  respectPermissions?: boolean;
}

/** A parsed, decrypted document and the engine's per-document caches. */
export interface PdfFile {
  readonly doc: PDFDocument;
  readonly pageCount: number;
  /** Null for files that were not encrypted. Saved output is never encrypted. */
  readonly encryption: EncryptionInfo | null;
  /** Engine caches keyed by pdf-lib objects; owned by the content engine. */
  readonly cache: Map<object, unknown>;
}

const LOAD_OPTIONS = {
  updateMetadata: false,
  parseSpeed: Infinity,
  throwOnInvalidObject: false,
} as const;

async function quietly<T>(work: () => Promise<T>): Promise<T> {
  // pdf-lib reports recoverable damage through console.warn; the engine reports through errors.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}

/** Parses (and, if needed, decrypts) a PDF. Throws DocatError with a PDF_* code. */
export async function openPdf(bytes: Uint8Array, options: OpenPdfOptions = {}): Promise<PdfFile> {
  const respectPermissions = options.respectPermissions ?? true;
  let doc: PDFDocument;
  let encryption: EncryptionInfo | null = null;
  try {
    doc = await quietly(async () => {
      if (!mayBeEncrypted(bytes)) return PDFDocument.load(bytes, LOAD_OPTIONS);
      const parsed = await parseAndDecrypt(bytes, { password: options.password });
      encryption = parsed.encryption;
      const plain = await PDFWriter.forContext(parsed.context, Infinity).serializeToBuffer();
      return PDFDocument.load(plain, LOAD_OPTIONS);
    });
  } catch (err) {
    if (err instanceof DocatError) throw err;
    throw new DocatError('PDF_CORRUPT', 'The PDF could not be parsed.', { cause: err });
  }
  const info = encryption as EncryptionInfo | null;
  if (info && respectPermissions && !info.canCopy && !info.openedAsOwner) {
    throw new DocatError('PDF_COPY_PROTECTED');
  }
  let pageCount: number;
  try {
    pageCount = doc.getPageCount();
  } catch (err) {
    throw new DocatError('PDF_CORRUPT', 'The page tree could not be read.', { cause: err });
  }
  if (pageCount === 0) throw new DocatError('PDF_NO_PAGES');
  return { doc, pageCount, encryption: info, cache: new Map() };
}

/** Writes the document, unencrypted. */
export async function savePdf(file: PdfFile): Promise<Uint8Array> {
  return file.doc.save({
    useObjectStreams: false,
    addDefaultPage: false,
    updateFieldAppearances: false,
  });
}
