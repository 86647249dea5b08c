/**
 * The file name a client gave, made safe to store and to echo in a
 * `Content-Disposition` header later: no path, no control characters, at most 255
 * characters. It is a label only: storage keys are never built from it.
 */
export function cleanFileName(raw: string | undefined, fallback = 'document.pdf'): string {
  if (!raw) return fallback;
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return fallback;
  return [...cleaned].slice(0, 255).join('');
}

/** `Content-Disposition: attachment` with an ASCII fallback and the RFC 8187 UTF-8 form. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
