import { readFileSync } from 'node:fs';
// fontkit's bundled Indic and Universal shapers (Devanagari) call a global
// regeneratorRuntime that its build expects the host to provide.
import 'regenerator-runtime/runtime.js';
import fontkit, { type Font } from '@pdf-lib/fontkit';
import {
  faceOf,
  fontFilePath,
  type FaceStyle,
  type FontFace,
  type FontFamily,
} from './font-files.js';
import { isAttaching, scriptOf, type Script } from './scripts.js';
import { withoutSubsetTag } from './font-name.js';

/** Whether the source text was set in a serif or a sans-serif face. */
export type Design = 'serif' | 'sans';

export interface TextStyle extends FaceStyle {
  design: Design;
}

// Names of serif faces: generic words, the common commercial and free families, and the
// TeX families whose names say nothing to a reader (Computer Modern `cmr10`, the EC fonts
// `ecrm1000`, `sfrm1095`, `sfti`, `sfbx`, Latin Modern `lmr`, TeX Gyre Termes/Pagella/Schola/Bonum, the
// Berry names `ptmr`/`pplr`/`pncr`/`pbkl`/`putr`). Checked after SANS_NAME, so `cmss10`,
// `sfss1095`, `sfsx1440` and `NimbusSanL` stay sans.
const SERIF_NAME =
  /(serif|rom(an)?\b|roman|times|termes|nimbusrom|georgia|cambria|constantia|garamond|minion|palatino|palladio|pagella|schola|bonum|book|baskerville|caslon|century|charter|utopia|melior|libertin|linuxlibertine|stix|xits|tinos|didot|bodoni|goudy|sabon|bembo|plantin|perpetua|janson|cochin|hoefler|lucidabright|lucida-?bright|cmr\d|cmti|cmbx|cmsl|cmcsc|cmbxti|lmr\d|lmroman|^ec(rm|ti|bx|sl|cc)\d|^sf(rm|ti|bx|sl|cc|bi|xc|it)\d|ptm[rb]|ppl[rb]|pnc[rb]|pbk[ld]|put[rb]|mincho|ming|song|kaiti|fangsong|batang|myeongjo|naskh|\bsb\b)/iu;
const SANS_NAME =
  /(sans|arial|helvetica|heros|nimbussan|verdana|calibri|tahoma|segoe|gothic|myriad|frutiger|univers|futura|trebuchet|aptos|candara|corbel|franklin|avenir|roboto|optima|cmss|lmss|sf(ss|sx|si)\d|dotum|gulim|hei\b|kufi)/iu;

/** Serif or sans from a PDF font name such as `ABCDEF+NimbusRomNo9L-Regu`. */
export function designOfFontName(fontName: string): Design {
  const name = withoutSubsetTag(fontName);
  if (SANS_NAME.test(name)) return 'sans';
  if (SERIF_NAME.test(name)) return 'serif';
  return 'sans';
}

function familyForScript(script: Script, language: string, design: Design): FontFamily | null {
  const base = language.split('-')[0]!;
  switch (script) {
    case 'kana':
      return design === 'serif' ? 'serif-jp' : 'sans-jp';
    case 'hangul':
      return 'sans-kr';
    case 'han':
      if (language === 'zh-Hant' || language === 'zh-TW' || language === 'zh-HK') return 'sans-tc';
      if (base === 'zh') return 'sans-sc';
      if (base === 'ko') return 'sans-kr';
      return design === 'serif' ? 'serif-jp' : 'sans-jp';
    case 'arabic':
      return design === 'serif' ? 'naskh-arabic' : 'sans-arabic';
    case 'hebrew':
      return 'sans-hebrew';
    case 'devanagari':
      return 'sans-devanagari';
    default:
      return null;
  }
}

/** The script a target language is written in, for its primary font. */
export function primaryScript(language: string): Script {
  const base = language.split('-')[0]!;
  switch (base) {
    case 'ja':
      return 'kana';
    case 'zh':
      return 'han';
    case 'ko':
      return 'hangul';
    case 'ar':
    case 'fa':
      return 'arabic';
    case 'he':
      return 'hebrew';
    case 'hi':
      return 'devanagari';
    default:
      return 'latin';
  }
}

/**
 * Loads font files once per process and picks, for every character, the first face
 * of a language's chain that has a glyph for it.
 */
export class FontLibrary {
  private readonly fonts = new Map<string, Font>();
  private readonly chains = new Map<string, FontFace[]>();

  font(face: FontFace): Font {
    let font = this.fonts.get(face.key);
    if (!font) {
      font = keepGlyphText(fontkit.create(readFileSync(fontFilePath(face))));
      this.fonts.set(face.key, font);
    }
    return font;
  }

  /**
   * Faces in order of preference for text in `language`: the language's own script
   * first (so its punctuation and digits match), then Latin/Greek/Cyrillic, the other
   * scripts, and mathematical symbols.
   */
  chain(language: string, style: TextStyle): FontFace[] {
    const id = `${language}|${style.design}|${style.bold}|${style.italic}`;
    let chain = this.chains.get(id);
    if (chain) return chain;
    const families: FontFamily[] = [];
    const add = (f: FontFamily | null): void => {
      if (f && !families.includes(f)) families.push(f);
    };
    add(familyForScript(primaryScript(language), language, style.design));
    add(style.design);
    add(style.design === 'serif' ? 'sans' : 'serif');
    for (const script of ['han', 'kana', 'hangul', 'arabic', 'hebrew', 'devanagari'] as Script[]) {
      add(familyForScript(script, language, style.design));
    }
    add('math');
    chain = families.map((f) => faceOf(f, style));
    this.chains.set(id, chain);
    return chain;
  }

  /** The face to draw `codePoint` with, or null when no face has a glyph for it. */
  faceFor(codePoint: number, language: string, style: TextStyle): FontFace | null {
    const script = scriptOf(codePoint);
    const chain = this.chain(language, style);
    // A script with its own family goes to that family even where an earlier face
    // (say Noto Sans JP for Cyrillic) happens to carry the glyph.
    const own = familyForScript(script, language, style.design);
    const ordered = own
      ? [...chain.filter((f) => f.family === own), ...chain.filter((f) => f.family !== own)]
      : latinFirst(chain, script);
    for (const face of ordered) if (this.font(face).hasGlyphForCodePoint(codePoint)) return face;
    return null;
  }

  /** Splits text into runs of one face each; marks and joiners follow their base. */
  itemize(
    text: string,
    language: string,
    style: TextStyle,
  ): { text: string; face: FontFace | null; start: number }[] {
    const runs: { text: string; face: FontFace | null; start: number }[] = [];
    let index = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      const last = runs[runs.length - 1];
      let face: FontFace | null;
      if (
        last &&
        (isAttaching(cp) || /\s/u.test(ch)) &&
        last.face &&
        this.font(last.face).hasGlyphForCodePoint(cp)
      )
        face = last.face;
      else if (/\s/u.test(ch) && last?.face) face = last.face;
      else face = this.faceFor(cp, language, style);
      if (last && last.face?.key === face?.key) last.text += ch;
      else runs.push({ text: ch, face, start: index });
      index += ch.length;
    }
    return runs;
  }
}

function latinFirst(chain: FontFace[], script: Script): FontFace[] {
  if (script !== 'latin' && script !== 'greek' && script !== 'cyrillic') return chain;
  const latin = chain.filter((f) => f.family === 'sans' || f.family === 'serif');
  return [...latin, ...chain.filter((f) => !latin.includes(f))];
}

/**
 * fontkit caches one Glyph object per glyph id, so a glyph the shaper reuses in
 * another context (an Arabic base shape under several letters, the pieces of a
 * decomposed letter) reports the characters of its first use. The shaper passes the
 * right characters to `getGlyph`; this hands back a copy carrying them, which is what
 * ToUnicode needs.
 */
function keepGlyphText(font: Font): Font {
  const getGlyph = font.getGlyph.bind(font);
  font.getGlyph = (id: number, codePoints?: number[]) => {
    const glyph = getGlyph(id, codePoints);
    if (
      !codePoints ||
      (glyph.codePoints.length === codePoints.length &&
        glyph.codePoints.every((c, i) => c === codePoints[i]))
    )
      return glyph;
    return Object.assign(
      Object.create(Object.getPrototypeOf(glyph) as object) as typeof glyph,
      glyph,
      { codePoints },
    );
  };
  return font;
}
