import type { Span } from '@docat/contracts';
import { union } from './geometry.js';

/** Spacing accents some fonts draw as glyphs of their own (TeX's OT1 fonts), and the combining marks they stand for. */
const COMBINING: Readonly<Record<string, string>> = {
  '\u0060': '\u0300', // grave
  '\u00B4': '\u0301', // acute
  '\u02C6': '\u0302', // circumflex
  '\u02DC': '\u0303', // tilde
  '\u00AF': '\u0304', // macron
  '\u02D8': '\u0306', // breve
  '\u02D9': '\u0307', // dot above
  '\u00A8': '\u0308', // diaeresis
  '\u02DA': '\u030A', // ring above
  '\u02DD': '\u030B', // double acute
  '\u02C7': '\u030C', // caron
  '\u00B8': '\u0327', // cedilla
  '\u02DB': '\u0328', // ogonek
};
/** An accent over i or j is set on the dotless letter; composed, the dot comes back. */
const DOTLESS: Readonly<Record<string, string>> = { '\u0131': 'i', '\u0237': 'j' };

const ACCENTS = Object.keys(COMBINING).join('');
const ACCENT_ON_DOTLESS = new RegExp(`([${ACCENTS}])([\\u0131\\u0237])`, 'gu');
const DOTLESS_WITH_MARK = /([\u0131\u0237])([\u0300-\u036F])/gu;
const LETTER = /^\p{L}$/u;

function compose(letter: string, accent: string): string {
  return ((DOTLESS[letter] ?? letter) + COMBINING[accent]!).normalize('NFC');
}

/** Within one run: an accent drawn before a dotless i or j can only belong to it. */
function composeInRun(text: string): string {
  if (!/[\u0131\u0237]/u.test(text)) return text;
  return text
    .replace(ACCENT_ON_DOTLESS, (_, accent: string, letter: string) => compose(letter, accent))
    .replace(DOTLESS_WITH_MARK, (_, letter: string, mark: string) =>
      ((DOTLESS[letter] ?? letter) + mark).normalize('NFC'),
    );
}

/** Two runs on one baseline where the second starts back over the end of the first. */
function overlapping(a: Span, b: Span): boolean {
  if ((a.angle ?? 0) !== 0 || (b.angle ?? 0) !== 0 || Boolean(a.hidden) !== Boolean(b.hidden))
    return false;
  const top = Math.max(a.bbox[1], b.bbox[1]);
  const bottom = Math.min(a.bbox[3], b.bbox[3]);
  const lower = Math.min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]);
  if (lower <= 0 || bottom - top < lower * 0.5) return false;
  const em = Math.min(a.size, b.size);
  return b.bbox[0] < a.bbox[2] - em * 0.05 && b.bbox[2] > a.bbox[0];
}

/**
 * Puts accents drawn as glyphs of their own back on their letters ("na¨ıve" becomes
 * "naïve"). TeX's OT1 fonts have no accented letters: an accent is drawn, the pen moves
 * back, and the letter is drawn under it, so the text layer reads the accent as a
 * character of its own before (or, for a cedilla, after) the letter, usually at the cut
 * between two runs. An accent is joined only where the geometry shows it over the letter:
 * the second run starts back inside the first. An accent run left empty is merged into
 * the run that took its accent (their boxes joined), so no run loses its place.
 */
export function attachSpacingAccents(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const next of spans) {
    let b: Span = next;
    const text = composeInRun(b.text);
    if (text !== b.text) b = { ...b, text };
    const a = out[out.length - 1];
    if (a && overlapping(a, b)) {
      const last = a.text.slice(-1);
      const first = [...b.text][0] ?? '';
      if (COMBINING[last] && LETTER.test(first)) {
        // The accent ends the first run and sits over the second run's first letter.
        const rest = a.text.slice(0, -1);
        b = { ...b, text: compose(first, last) + b.text.slice(first.length) };
        if (rest === '') {
          out.pop();
          b = { ...b, bbox: union(a.bbox, b.bbox) };
        } else out[out.length - 1] = { ...a, text: rest };
      } else if (
        COMBINING[first] &&
        LETTER.test([...a.text].at(-1) ?? '') &&
        !LETTER.test([...b.text][1] ?? '')
      ) {
        // The accent starts the second run and sits over (or under) the first run's last letter.
        const letter = [...a.text].at(-1)!;
        const merged = a.text.slice(0, -letter.length) + compose(letter, first);
        const rest = b.text.slice(first.length);
        if (rest === '') {
          out[out.length - 1] = { ...a, text: merged, bbox: union(a.bbox, b.bbox) };
          continue;
        }
        out[out.length - 1] = { ...a, text: merged };
        b = { ...b, text: rest };
      }
    }
    out.push(b);
  }
  return out;
}
