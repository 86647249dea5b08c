import { LANGUAGE_CODES } from '@docat/contracts';
import { TOKEN_PATTERN } from '../placeholders.js';
import type {
  EngineHealth,
  EngineLanguages,
  TranslateBatchRequest,
  TranslateBatchResult,
  TranslationEngine,
} from '../types.js';

/** Visible markers around every pseudo-translated segment; see docs/pseudo-engine.md. */
export const PSEUDO_OPEN = '⟪';
export const PSEUDO_CLOSE = '⟫';

type ScriptStyle = { kind: 'alphabet'; letters: string; cased: boolean } | { kind: 'ideographic'; letters: string; spaced: boolean; fullStop: boolean };

const HIRAGANA = 'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん';
const KATAKANA = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン';
const KANJI = '日本語文書翻訳字体表示確認試験言葉世界中人大小山川田水火木金土月年時分';

const SCRIPTS: Record<string, ScriptStyle> = {
  ja: { kind: 'ideographic', letters: KANJI + HIRAGANA + KATAKANA, spaced: false, fullStop: true },
  zh: { kind: 'ideographic', letters: '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后', spaced: false, fullStop: true },
  'zh-Hant': { kind: 'ideographic', letters: '的一是不了人我在有他這中大來上國個到說們為子和你地出道也時年得就那要下以生會自著去之過家學對可裡後', spaced: false, fullStop: true },
  ko: { kind: 'ideographic', letters: '가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후기니디리미비시이지치키티피히한국어번역', spaced: true, fullStop: false },
  ru: { kind: 'alphabet', letters: 'абвгдежзийклмнопрстуфхцчшщыэюя', cased: true },
  uk: { kind: 'alphabet', letters: 'абвгґдеєжзиіїйклмнопрстуфхцчшщюя', cased: true },
  bg: { kind: 'alphabet', letters: 'абвгдежзийклмнопрстуфхцчшщъюя', cased: true },
  el: { kind: 'alphabet', letters: 'αβγδεζηθικλμνξοπρστυφχψω', cased: true },
  ar: { kind: 'alphabet', letters: 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي', cased: false },
  fa: { kind: 'alphabet', letters: 'ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی', cased: false },
  he: { kind: 'alphabet', letters: 'אבגדהוזחטיכלמנסעפצקרשת', cased: false },
  hi: { kind: 'alphabet', letters: 'अआइईउएओकखगघचछजझटठडढतथदधनपफबभमयरलवशसह', cased: false },
  th: { kind: 'alphabet', letters: 'กขคฆงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอ', cased: false },
};

/**
 * Accented forms of every basic Latin letter. None is its own base letter, so a letter
 * replaced by one of its forms always changes.
 */
const ACCENTS: Record<string, string> = {
  a: 'àáâãäåā', b: 'ƀḃ', c: 'çć', d: 'ď', e: 'èéêëē', f: 'ƒḟ', g: 'ğ', h: 'ĥħ', i: 'ìíîïī', j: 'ĵ', k: 'ķḱ', l: 'ł', m: 'ṁḿ',
  n: 'ñń', o: 'òóôõöø', p: 'ṗṕ', q: 'ɋ', r: 'ř', s: 'šś', t: 'ť', u: 'ùúûüū', v: 'ṽ', w: 'ŵẃ', x: 'ẋẍ', y: 'ýÿ', z: 'žź',
  A: 'ÀÁÂÃÄÅ', B: 'Ḃ', C: 'Ç', D: 'Ď', E: 'ÈÉÊË', F: 'Ḟ', G: 'ĞĜ', H: 'ĤĦ', I: 'ÌÍÎÏ', J: 'Ĵ', K: 'ĶḰ', L: 'Ł', M: 'ṀḾ',
  N: 'Ñ', O: 'ÒÓÔÕÖØ', P: 'ṖṔ', Q: 'Ɋ', R: 'Ř', S: 'Š', T: 'Ť', U: 'ÙÚÛÜ', V: 'Ṽ', W: 'ŴẂ', X: 'Ẋ', Y: 'Ý', Z: 'Ž',
};
const VOWEL = /[aeiouy]/iu;
/** Basic Latin letters a letter of another script is written as on a Latin target (consonants, then vowels). */
const LATIN_CONSONANTS = 'bcdfghklmnprstvz';
const LATIN_VOWELS = 'aeiou';
const LATIN_LETTERS = LATIN_CONSONANTS + LATIN_VOWELS;
/** Scripts written without spaces between words, each character a syllable or a word. */
const SYLLABIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Yi}]/u;
/** A word: letters with their combining marks (Devanagari vowel signs, Arabic and Hebrew points, Thai vowels). */
const WORD = /[\p{L}\p{M}]+/gu;

/** Length growth for Latin targets: German and French run about 30% longer than English. */
export const PSEUDO_LATIN_GROWTH = 0.3;

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h;
}

/** The basic Latin letter under an accented one (`é` is `e`), or undefined for any other letter. */
function latinBase(ch: string): string | undefined {
  const base = ch.normalize('NFD')[0]!;
  return /^[A-Za-z]$/u.test(base) ? base : undefined;
}

/**
 * A word of any script written in basic Latin letters, before accenting: Latin letters
 * stay, a letter of an alphabet becomes one letter, a syllable or ideograph (Chinese,
 * Japanese, Korean) a consonant and a vowel, with a space after every second one so that
 * the result breaks into words as a Latin translation would. Combining marks go with
 * their letter.
 */
function latinise(word: string): string {
  let out = '';
  let syllables = 0;
  for (const ch of word) {
    if (/\p{M}/u.test(ch)) continue;
    const cp = ch.codePointAt(0)!;
    if (/\p{Script=Latin}/u.test(ch)) {
      out += ch;
      syllables = 0;
    } else if (SYLLABIC.test(ch)) {
      if (syllables > 0 && syllables % 2 === 0) out += ' ';
      out += LATIN_CONSONANTS[cp % LATIN_CONSONANTS.length]! + LATIN_VOWELS[(cp >> 4) % LATIN_VOWELS.length]!;
      syllables++;
    } else {
      const letter = LATIN_LETTERS[cp % LATIN_LETTERS.length]!;
      out += ch !== ch.toLowerCase() ? letter.toUpperCase() : letter;
      syllables = 0;
    }
  }
  return out;
}

/** An accented form of a Latin letter, different from it; a letter with no basic Latin base gets one by its code point. */
function accented(ch: string, i: number): string {
  const base = latinBase(ch) ?? (ch !== ch.toLowerCase() ? 'E' : 'e');
  const variants = [...ACCENTS[base]!];
  let mapped = variants[i % variants.length]!;
  if (mapped === ch) mapped = variants[(i + 1) % variants.length]!;
  // One form only, and it is the letter itself (the source already wrote `ž`): another letter's form.
  if (mapped === ch) mapped = [...ACCENTS[base === base.toLowerCase() ? 'o' : 'O']!][i % 6]!;
  return mapped;
}

function accentWord(word: string, extra: number): string {
  let out = '';
  let added = 0;
  const letters = [...word];
  letters.forEach((ch, i) => {
    const mapped = accented(ch, i);
    out += mapped;
    // Grow by doubling vowels (then any letter) until the word's share of growth is spent.
    const remaining = letters.length - i;
    if (added < extra && (VOWEL.test(latinBase(ch) ?? '') || extra - added >= remaining)) {
      out += mapped;
      added++;
    }
  });
  return out;
}

function alphabetWord(word: string, style: Extract<ScriptStyle, { kind: 'alphabet' }>): string {
  const letters = [...style.letters];
  return [...word]
    .filter((ch) => !/\p{M}/u.test(ch))
    .map((ch, i) => {
      const at = (ch.toLowerCase().codePointAt(0)! + i * 7) % letters.length;
      // A letter of the target's own alphabet is never written as itself.
      const letter = letters[at] === ch.toLowerCase() ? letters[(at + 1) % letters.length]! : letters[at]!;
      return style.cased && ch !== ch.toLowerCase() ? letter.toUpperCase() : letter;
    })
    .join('');
}

function ideographicWord(word: string, letters: string[]): string {
  const count = Math.max(1, Math.ceil([...word].length / 2));
  let h = hash(word);
  let out = '';
  for (let i = 0; i < count; i++) {
    out += letters[h % letters.length];
    h = Math.imul(h ^ (i + 1), 2654435761) >>> 0;
  }
  // A one-character source word in the target's own script is never written as itself.
  return out === word ? letters[(letters.indexOf(out) + 1) % letters.length]! : out;
}

/** Pseudo-translate text outside placeholder tokens and style pairs, which pass through untouched. */
function pseudoRun(text: string, target: string): string {
  const style = SCRIPTS[target] ?? SCRIPTS[target.split('-')[0]!];
  if (!style) {
    const latin = text.replace(WORD, latinise);
    const letterCount = [...latin.matchAll(/\p{L}/gu)].length;
    let budget = Math.round(latin.length * PSEUDO_LATIN_GROWTH);
    return latin.replace(/\p{L}+/gu, (word) => {
      const share = letterCount === 0 ? 0 : Math.min(budget, Math.ceil((budget * [...word].length) / Math.max(1, letterCount)));
      const grown = accentWord(word, Math.min(share, budget));
      budget -= [...grown].length - [...word].length;
      return grown;
    });
  }
  if (style.kind === 'alphabet') return text.replace(WORD, (word) => alphabetWord(word, style));
  const letters = [...style.letters];
  let out = text.replace(WORD, (word) => ideographicWord(word, letters));
  if (!style.spaced) out = out.replace(/(?<=[^\s\p{P}]) (?=[^\s\p{P}])/gu, '');
  if (style.fullStop) out = out.replace(/\.(\s|$)/gu, '。').replace(/,\s?/gu, '、');
  return out;
}

/** Deterministic, offline pseudo-translation of one segment into the script of `target`. */
export function pseudoTranslate(text: string, target: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(TOKEN_PATTERN)) {
    out += pseudoRun(text.slice(at, m.index), target) + m[0];
    at = m.index + m[0].length;
  }
  out += pseudoRun(text.slice(at), target);
  return PSEUDO_OPEN + out + PSEUDO_CLOSE;
}

/**
 * The offline engine: no network, no key, no cost. Output is unmistakably not a
 * translation (markers, foreign script, accents) so fonts, right-to-left layout and
 * text growth can be tested anywhere.
 */
export class PseudoEngine implements TranslationEngine {
  readonly name = 'pseudo' as const;
  readonly model = 'pseudo-2';
  readonly paid = false;
  readonly nativeGlossary = false;

  async translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult> {
    req.signal?.throwIfAborted();
    return {
      translations: req.segments.map((s) => ({ id: s.id, text: pseudoTranslate(s.text, req.target) })),
      billedCharacters: 0,
      ...(req.source ? { detectedSource: req.source } : {}),
    };
  }

  async languages(): Promise<EngineLanguages> {
    return { source: [...LANGUAGE_CODES], target: [...LANGUAGE_CODES] };
  }

  async health(): Promise<EngineHealth> {
    return { ok: true, detail: 'offline pseudo-translation: output is not a real translation' };
  }
}
