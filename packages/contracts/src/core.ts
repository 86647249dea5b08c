// The part of the contracts that loads no schema library: error codes, the error type,
// page ranges, the layout model's version, and the few constants and helpers a command-line
// extraction needs. For processes that must start small (the PDF sandbox's children, `docat
// extract`); everything else imports the package's root.
export * from './error-codes.js';
export * from './page-range.js';
export { LAYOUT_SCHEMA_VERSION } from './layout-version.js';
export * from './language-codes.js';
export * from './work-stages.js';
export * from './upload-limits.js';
export * from './pdf-signature.js';
export * from './progress-estimate.js';
