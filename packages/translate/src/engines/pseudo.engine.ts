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

const ACCENTS: Record<string, string> = {
  a: 'àáâãäåā', e: 'èéêëē', i: 'ìíîïī', o: 'òóôõöø', u: 'ùúûüū', y: 'ýÿ', c: 'çć', n: 'ñń', s: 'šś', z: 'žź',
  g: 'ğ', l: 'ł', r: 'ř', d: 'ď', t: 'ť', A: 'ÀÁÂÃÄÅ', E: 'ÈÉÊË', I: 'ÌÍÎÏ', O: 'ÒÓÔÕÖØ', U: 'ÙÚÛÜ',
  Y: 'Ý', C: 'Ç', N: 'Ñ', S: 'Š', Z: 'Ž', L: 'Ł', R: 'Ř', D: 'Ď', T: 'Ť',
};
const VOWEL = /[aeiouy]/iu;

/** Length growth for Latin targets: German and French run about 30% longer than English. */
export const PSEUDO_LATIN_GROWTH = 0.3;

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h;
}

function accentWord(word: string, extra: number): string {
  let out = '';
  let added = 0;
  const letters = [...word];
  letters.forEach((ch, i) => {
    const variants = ACCENTS[ch];
    const mapped = variants ? variants[i % variants.length]! : ch;
    out += mapped;
    // Grow by doubling vowels (then any letter) until the word's share of growth is spent.
    const remaining = letters.length - i;
    if (added < extra && (VOWEL.test(ch) || extra - added >= remaining)) {
      out += mapped;
      added++;
    }
  });
  return out;
}

function alphabetWord(word: string, style: Extract<ScriptStyle, { kind: 'alphabet' }>): string {
  const letters = [...style.letters];
  return [...word]
    .map((ch, i) => {
      const letter = letters[(ch.toLowerCase().codePointAt(0)! + i * 7) % letters.length]!;
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
  return out;
}

/** Pseudo-translate text outside placeholder tokens and style pairs, which pass through untouched. */
function pseudoRun(text: string, target: string): string {
  const style = SCRIPTS[target] ?? SCRIPTS[target.split('-')[0]!];
  if (!style) {
    const letterCount = [...text.matchAll(/\p{L}/gu)].length;
    let budget = Math.round(text.length * PSEUDO_LATIN_GROWTH);
    return text.replace(/\p{L}+/gu, (word) => {
      const share = letterCount === 0 ? 0 : Math.min(budget, Math.ceil((budget * [...word].length) / Math.max(1, letterCount)));
      const grown = accentWord(word, Math.min(share, budget));
      budget -= [...grown].length - [...word].length;
      return grown;
    });
  }
  if (style.kind === 'alphabet') return text.replace(/\p{L}+/gu, (word) => alphabetWord(word, style));
  const letters = [...style.letters];
  let out = text.replace(/\p{L}+/gu, (word) => ideographicWord(word, letters));
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
  readonly model = 'pseudo-1';
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
