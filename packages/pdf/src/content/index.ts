export type {
  Box,
  ContentOp,
  ContentToken,
  ContentValue,
  InlineImage,
  Matrix,
} from './content-types.js';
export { num, name, str } from './content-types.js';
export { ContentLexer, parseContent, tokenize } from './content-tokenizer.js';
export { formatNumber, serializeContent, serializeValue } from './content-serializer.js';
export { openPdf, savePdf, type OpenPdfOptions, type PdfFile } from './pdf-file.js';
export {
  interpretPage,
  pageContentBytes,
  type ContentScope,
  type FormUse,
  type GlyphBox,
  type GlyphRun,
  type PageContent,
} from './page-interpreter.js';
export { fontInfo, type CharCode, type FontInfo } from './fonts/font-info.js';
export { decodeStreamData, MAX_DECODED_STREAM_BYTES } from './stream-data.js';
export type { EncryptionInfo } from '../crypto/decrypt-document.js';
export {
  appendContent,
  removeFills,
  removeText,
  type RemovalResult,
  type ResourceCategory,
  type ResourceMap,
  type TextSelector,
} from './content-rewriter.js';
export {
  decorationsIn,
  findDecorations,
  removeDecorations,
  type Decoration,
} from './decorations.js';
