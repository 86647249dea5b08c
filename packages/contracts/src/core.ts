// The part of the contracts that loads no schema library: error codes, the error type,
// page ranges and the layout model's version. For processes that must start small (the
// PDF sandbox's children); everything else imports the package's root.
export * from './error-codes.js';
export * from './page-range.js';
export { LAYOUT_SCHEMA_VERSION } from './layout-version.js';
