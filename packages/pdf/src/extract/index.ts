export { extractLayout, extractFromDocument, judgePage, selectedPages } from './extract-layout.js';
export type { ExtractOptions, ExtractResult, PageVerdict } from './extract-layout.js';
export { mergeChunks, finalizeDocument } from '../layout/document-level.js';
export {
  createOcrAdapter,
  LazyOcrAdapter,
  type OcrEngineChoice,
} from '../ocr/ocr-adapter-choice.js';
export { OCR_ADAPTER_NAMES, type OcrAdapter, type OcrAdapterName } from '../ocr/ocr-adapter.js';
export { TesseractJsAdapter } from '../ocr/tesseract-js.adapter.js';
export { NativeTesseractAdapter } from '../ocr/native-tesseract.adapter.js';
export { findLanguageData, tesseractCode } from '../ocr/ocr-languages.js';
export { toMarkdown } from '../output/markdown.js';
export { toPlainText } from '../output/plain-text.js';
export { toJson } from '../output/json.js';
export { extractInSandbox, probePdf, DEFAULT_SANDBOX_LIMITS } from '../sandbox/sandbox.js';
export type { SandboxLimits, SandboxResult, ProbeResult } from '../sandbox/sandbox.js';
export { OcrBudget, ocrBudget } from '../sandbox/ocr-budget.js';
export {
  extractionMemoryBudget,
  RENDER_THREAD_HEAP_MB,
  type MemoryBudget,
} from '../sandbox/memory-budget.js';
export { applyTranslations, type BlockTranslation } from '../layout/apply-translations.js';
