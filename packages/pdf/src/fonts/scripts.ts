/** Scripts the renderer chooses fonts for. */
export type Script =
  | 'latin'
  | 'greek'
  | 'cyrillic'
  | 'han'
  | 'kana'
  | 'hangul'
  | 'arabic'
  | 'hebrew'
  | 'devanagari'
  | 'common';

const RANGES: [number, number, Script][] = [
  [0x0041, 0x005a, 'latin'],
  [0x0061, 0x007a, 'latin'],
  [0x00c0, 0x024f, 'latin'],
  [0x0370, 0x03ff, 'greek'],
  [0x1f00, 0x1fff, 'greek'],
  [0x0400, 0x052f, 'cyrillic'],
  [0x0590, 0x05ff, 'hebrew'],
  [0xfb1d, 0xfb4f, 'hebrew'],
  [0x0600, 0x06ff, 'arabic'],
  [0x0750, 0x077f, 'arabic'],
  [0x08a0, 0x08ff, 'arabic'],
  [0xfb50, 0xfdff, 'arabic'],
  [0xfe70, 0xfeff, 'arabic'],
  [0x0900, 0x097f, 'devanagari'],
  [0xa8e0, 0xa8ff, 'devanagari'],
  [0x1100, 0x11ff, 'hangul'],
  [0x3130, 0x318f, 'hangul'],
  [0xac00, 0xd7af, 'hangul'],
  [0x3040, 0x30ff, 'kana'],
  [0x31f0, 0x31ff, 'kana'],
  [0xff66, 0xff9f, 'kana'],
  [0x2e80, 0x2fdf, 'han'],
  [0x3000, 0x303f, 'han'],
  [0x3400, 0x4dbf, 'han'],
  [0x4e00, 0x9fff, 'han'],
  [0xf900, 0xfaff, 'han'],
  [0xff00, 0xff65, 'han'],
  [0x20000, 0x2fa1f, 'han'],
];

export function scriptOf(codePoint: number): Script {
  for (const [from, to, script] of RANGES) if (codePoint >= from && codePoint <= to) return script;
  return 'common';
}

/** Combining marks and joiners stay in the font of the character they attach to. */
export function isAttaching(codePoint: number): boolean {
  return /[\p{M}\u200c\u200d]/u.test(String.fromCodePoint(codePoint));
}
