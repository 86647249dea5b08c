import type { LayoutDocument } from '@docat/contracts';

/** The layout model as JSON. Key order is fixed by construction, so equal documents give equal bytes. */
export function toJson(doc: LayoutDocument, pretty = false): string {
  return JSON.stringify(doc, null, pretty ? 2 : undefined);
}
