import { DocatError } from '@docat/contracts/core';
import {
  PDFArray,
  PDFBool,
  PDFContext,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFObjectStreamParser,
  PDFParser,
  PDFRawStream,
  PDFRef,
  PDFString,
} from 'pdf-lib';
import {
  authenticate,
  decryptBytes,
  type CipherMethod,
  type StandardEncryptionParams,
} from './standard-security-handler.js';

/** What a decrypted file said about its protection. */
export interface EncryptionInfo {
  filter: string;
  version: number;
  revision: number;
  method: CipherMethod;
  keyBits: number;
  /** Raw /P value (PDF 2.0 Table 22). */
  permissions: number;
  /** Bit 5: copying or extracting text and graphics. */
  canCopy: boolean;
  /** Opened with the owner password: the permissions do not restrict its holder. */
  openedAsOwner: boolean;
}

const MAX_WALK_DEPTH = 64;
const HIDDEN_OBJSTM = 'ObjStX';

function bytesOf(obj: PDFObject | undefined): Uint8Array | undefined {
  if (obj instanceof PDFString || obj instanceof PDFHexString) return obj.asBytes();
  return undefined;
}

function cipherOf(
  cf: PDFDict | undefined,
  filterName: PDFName | undefined,
  v: number,
): CipherMethod {
  if (v < 4) return 'rc4';
  const n = filterName?.decodeText() ?? 'Identity';
  if (n === 'Identity') return 'none';
  const entry = cf?.lookup(PDFName.of(n));
  const cfm = entry instanceof PDFDict ? entry.lookup(PDFName.of('CFM')) : undefined;
  const method = cfm instanceof PDFName ? cfm.decodeText() : 'None';
  if (method === 'V2') return 'rc4';
  if (method === 'AESV2') return 'aes-128';
  if (method === 'AESV3') return 'aes-256';
  return 'none';
}

function readParams(context: PDFContext, encrypt: PDFDict): StandardEncryptionParams {
  const num = (key: string, fallback: number): number => {
    const v = encrypt.lookup(PDFName.of(key));
    return v instanceof PDFNumber ? v.asNumber() : fallback;
  };
  const v = num('V', 0);
  const r = num('R', 2);
  const cf = encrypt.lookup(PDFName.of('CF'));
  const cfDict = cf instanceof PDFDict ? cf : undefined;
  const stmF = encrypt.lookup(PDFName.of('StmF'));
  const strF = encrypt.lookup(PDFName.of('StrF'));
  const encryptMetadata = encrypt.lookup(PDFName.of('EncryptMetadata'));
  const idArray = context.trailerInfo.ID ? context.lookup(context.trailerInfo.ID) : undefined;
  const id0 =
    idArray instanceof PDFArray && idArray.size() > 0 ? bytesOf(idArray.lookup(0)) : undefined;
  const method = (n: PDFObject | undefined): CipherMethod =>
    cipherOf(cfDict, n instanceof PDFName ? n : undefined, v);
  return {
    v,
    r,
    length: v === 1 ? 5 : Math.floor(num('Length', 40) / 8) || 5,
    o: bytesOf(encrypt.lookup(PDFName.of('O'))) ?? new Uint8Array(0),
    u: bytesOf(encrypt.lookup(PDFName.of('U'))) ?? new Uint8Array(0),
    oe: bytesOf(encrypt.lookup(PDFName.of('OE'))),
    ue: bytesOf(encrypt.lookup(PDFName.of('UE'))),
    p: num('P', -1),
    id0: id0 ?? new Uint8Array(0),
    encryptMetadata: !(encryptMetadata instanceof PDFBool) || encryptMetadata.asBoolean(),
    stringMethod: v >= 4 ? method(strF) : 'rc4',
    streamMethod: v >= 4 ? method(stmF) : 'rc4',
  };
}

/**
 * Hides object streams from pdf-lib's parser: in an encrypted file their contents are
 * ciphertext, and pdf-lib would try to inflate them while parsing. The name is replaced
 * by one of equal length, so no offset moves; they are restored after decryption.
 */
function hideObjectStreams(bytes: Uint8Array): Uint8Array {
  const needle = Buffer.from('/ObjStm', 'latin1');
  const copy = Buffer.from(bytes);
  for (let at = copy.indexOf(needle); at >= 0; at = copy.indexOf(needle, at + needle.length)) {
    copy.write('/' + HIDDEN_OBJSTM, at, 'latin1');
  }
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.length);
}

export function mayBeEncrypted(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).includes('/Encrypt');
}

export interface DecryptOptions {
  password?: string;
}

/**
 * Parses an encrypted file with pdf-lib and decrypts every string and stream in place
 * with the standard security handler (PDF 2.0 §7.6.4), then drops /Encrypt, so the
 * returned context writes out as an unencrypted file. Returns null encryption info when
 * the file turned out not to be encrypted.
 */
export async function parseAndDecrypt(
  bytes: Uint8Array,
  options: DecryptOptions = {},
): Promise<{ context: PDFContext; encryption: EncryptionInfo | null }> {
  const parser = PDFParser.forBytesWithOptions(hideObjectStreams(bytes), Infinity, false, false);
  const context = await parser.parseDocument();
  const encryptRef = context.trailerInfo.Encrypt;
  const encryptObj = encryptRef ? context.lookup(encryptRef) : undefined;
  let encryption: EncryptionInfo | null = null;
  let decrypt: ((ref: PDFRef, data: Uint8Array, kind: 'string' | 'stream') => Uint8Array) | null =
    null;
  if (encryptObj instanceof PDFDict) {
    const filter = encryptObj.lookup(PDFName.of('Filter'));
    const filterName = filter instanceof PDFName ? filter.decodeText() : '';
    if (filterName !== 'Standard') {
      throw new DocatError(
        'PDF_PASSWORD_REQUIRED',
        `The PDF uses the unsupported security handler "${filterName}".`,
      );
    }
    const params = readParams(context, encryptObj);
    if (params.r < 2 || params.r > 6)
      throw new DocatError('PDF_CORRUPT', `Unknown encryption revision ${params.r}.`);
    const supplied = options.password;
    let auth = authenticate(params, '');
    if (!auth && supplied !== undefined && supplied !== '') {
      auth = authenticate(params, supplied);
      if (!auth) throw new DocatError('PDF_PASSWORD_INVALID');
    } else if (auth && supplied) {
      // An owner password given alongside an empty user password lifts the restrictions.
      const asGiven = authenticate(params, supplied);
      if (asGiven) auth = asGiven;
    }
    if (!auth) throw new DocatError('PDF_PASSWORD_REQUIRED');
    const fileKey = auth.fileKey;
    encryption = {
      filter: filterName,
      version: params.v,
      revision: params.r,
      method: params.streamMethod,
      keyBits: params.streamMethod === 'aes-256' ? 256 : params.length * 8,
      permissions: params.p,
      canCopy: (params.p & 0x10) !== 0,
      openedAsOwner: auth.owner,
    };
    decrypt = (ref, data, kind) =>
      decryptBytes(
        fileKey,
        kind === 'string' ? params.stringMethod : params.streamMethod,
        ref.objectNumber,
        ref.generationNumber,
        data,
      );
    const encryptMetadata = params.encryptMetadata;
    for (const [ref, obj] of context.enumerateIndirectObjects()) {
      if (obj === encryptObj) continue;
      if (obj instanceof PDFRawStream) {
        const type = obj.dict.lookup(PDFName.of('Type'));
        const typeName = type instanceof PDFName ? type.decodeText() : '';
        if (typeName === 'XRef') continue;
        decryptStrings(obj.dict, (data) => decrypt!(ref, data, 'string'), 0);
        if (typeName === 'Metadata' && !encryptMetadata) continue;
        if (usesIdentityCryptFilter(obj.dict)) continue;
        context.assign(ref, PDFRawStream.of(obj.dict, decrypt(ref, obj.contents, 'stream')));
      } else {
        const replaced = decryptStrings(obj, (data) => decrypt!(ref, data, 'string'), 0);
        if (replaced !== obj) context.assign(ref, replaced);
      }
    }
    context.delete(encryptRef as PDFRef);
    context.trailerInfo.Encrypt = undefined;
  }
  await expandHiddenObjectStreams(context);
  return { context, encryption };
}

function usesIdentityCryptFilter(dict: PDFDict): boolean {
  const filter = dict.lookup(PDFName.of('Filter'));
  const names = filter instanceof PDFArray ? filter.asArray() : filter ? [filter] : [];
  if (!names.some((n) => n instanceof PDFName && n.decodeText() === 'Crypt')) return false;
  const parms = dict.lookup(PDFName.of('DecodeParms'));
  const list = parms instanceof PDFArray ? parms.asArray() : parms ? [parms] : [];
  return list.some((p) => {
    const d = p instanceof PDFDict ? p : undefined;
    const n = d?.lookup(PDFName.of('Name'));
    return !(n instanceof PDFName) || n.decodeText() === 'Identity';
  });
}

/** Decrypts strings inside an object; returns the replacement for a top-level string. */
function decryptStrings(
  obj: PDFObject,
  decrypt: (data: Uint8Array) => Uint8Array,
  depth: number,
): PDFObject {
  if (depth > MAX_WALK_DEPTH) return obj;
  if (obj instanceof PDFString || obj instanceof PDFHexString) {
    return PDFHexString.of(Buffer.from(decrypt(obj.asBytes())).toString('hex'));
  }
  if (obj instanceof PDFDict) {
    for (const [key, value] of obj.entries()) {
      const next = decryptStrings(value, decrypt, depth + 1);
      if (next !== value) obj.set(key, next);
    }
  } else if (obj instanceof PDFArray) {
    for (let i = 0; i < obj.size(); i++) {
      const value = obj.get(i);
      const next = decryptStrings(value, decrypt, depth + 1);
      if (next !== value) obj.set(i, next);
    }
  }
  return obj;
}

async function expandHiddenObjectStreams(context: PDFContext): Promise<void> {
  const hidden = PDFName.of(HIDDEN_OBJSTM);
  for (const [ref, obj] of context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream) || obj.dict.lookup(PDFName.of('Type')) !== hidden) continue;
    obj.dict.set(PDFName.of('Type'), PDFName.of('ObjStm'));
    context.delete(ref);
    try {
      await PDFObjectStreamParser.forStream(obj).parseIntoContext();
    } catch {
      // A damaged object stream loses only its own objects, as in readers.
    }
  }
}
