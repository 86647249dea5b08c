import type { Span } from '@docat/contracts';
import type { PageContent, PathShape } from '../extract/page-reader.js';

/** A US Letter page 1 holding `spans` and `shapes` (their boxes as its paths), for layout tests. */
export function pageContent(
  spans: Span[],
  shapes: PathShape[] = [],
  extra: Partial<PageContent> = {},
): PageContent {
  return {
    number: 1,
    width: 612,
    height: 792,
    rotation: 0,
    spans,
    images: [],
    paths: shapes.map((s) => s.bbox),
    shapes,
    fields: [],
    quality: { chars: spans.reduce((n, s) => n + s.text.length, 0), garbage: 0 },
    ...extra,
  };
}
