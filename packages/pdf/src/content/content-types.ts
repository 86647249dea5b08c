/**
 * The value model of content-stream syntax (PDF 2.0 §7.3, §7.8.2). Strings keep their
 * raw bytes: content-stream strings are character codes, never text.
 */
export type ContentValue =
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  | { kind: 'string'; bytes: Uint8Array; hex: boolean }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'array'; items: ContentValue[] }
  | { kind: 'dict'; entries: [string, ContentValue][] };

/** Inline image: `BI <dict> ID <data> EI`. `data` is exactly the bytes between ID's white space and EI. */
export interface InlineImage {
  dict: [string, ContentValue][];
  data: Uint8Array;
}

/**
 * One operation: operator with its operands. `op === ''` holds operands that no operator
 * followed (end of stream); `op === 'BI'` carries `inlineImage`. Unknown keywords stay
 * operators so that nothing a renderer might read is lost.
 */
export interface ContentOp {
  op: string;
  operands: ContentValue[];
  inlineImage?: InlineImage;
}

export type ContentToken =
  | { type: 'value'; value: ContentValue; offset: number }
  | { type: 'operator'; name: string; offset: number }
  | { type: 'inline-image'; image: InlineImage; offset: number }
  | { type: 'comment'; text: string; offset: number }
  | { type: 'junk'; bytes: Uint8Array; offset: number };

export type Matrix = [number, number, number, number, number, number];
/** Axis-aligned box `[x0, y0, x1, y1]` with x0 <= x1, y0 <= y1. */
export type Box = [number, number, number, number];

export const num = (value: number): ContentValue => ({ kind: 'number', value });
export const name = (value: string): ContentValue => ({ kind: 'name', value });
export const str = (bytes: Uint8Array, hex = false): ContentValue => ({
  kind: 'string',
  bytes,
  hex,
});
