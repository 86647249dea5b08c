/**
 * Response headers every gateway answer carries. The API serves JSON and files, never
 * pages to render, so its CSP forbids everything; the docs page relaxes only styles.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const DOCS_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/**
 * The web app's pages and files: scripts, styles, fonts, workers and API calls from this
 * origin only, and no inline script. `wasm-unsafe-eval` lets pdf.js's worker compile its
 * image decoders (WebAssembly only; `eval` stays forbidden); canvases may use blob and
 * data images.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
