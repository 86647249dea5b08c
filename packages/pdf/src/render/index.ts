export {
  renderTranslatedPdf,
  cellKey,
  type RenderText,
  type RenderTranslatedOptions,
  type RenderTranslatedResult,
  type RenderStats,
  type BlockPlacement,
} from './render-translated.js';
export {
  FontLibrary,
  designOfFontName,
  primaryScript,
  type Design,
  type TextStyle,
} from '../fonts/font-library.js';
export { renderDualPdf, type DualMode, type RenderDualOptions } from './render-dual.js';
export { renderTranslationsOf } from './render-translations.js';
export { renderInterleavedPdf, type RenderInterleavedOptions } from './render-interleaved.js';
export { removeActiveContent, type ActiveContentRemoved } from './active-content.js';
