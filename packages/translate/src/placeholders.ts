import type { GlossaryEntry, Placeholder, PlaceholderKind } from './types.js';

/**
 * Placeholder tokens are `⟦n⟧` (U+27E6, U+27E7 around a decimal index, numbered from 0
 * within a segment). The brackets are mathematical symbols no natural-language text
 * uses, no tokenizer splits the index from them in ways models fail to copy, and they
 * carry no markup meaning, so plain-text engines and LLMs pass them through. Engines
 * with tag handling (DeepL, Google) see them as XML/HTML elements instead: each such
 * engine encodes `⟦n⟧` to its own tag on the way out and back on the way in, so
 * segments, memory entries and TMX files only ever hold the one canonical form.
 */
export const PLACEHOLDER_PATTERN = /⟦\s*(\d+)\s*⟧/gu;

/**
 * Inline styles (bold, italic, a link, a colour) travel as pairs `⟦n⟧…⟦/n⟧` around the
 * words they cover, numbered in the same sequence as the other tokens. This pattern
 * matches both halves: group 1 is `/` for a closing token.
 */
export const TOKEN_PATTERN = /⟦\s*(\/?)\s*(\d+)\s*⟧/gu;

export function placeholderToken(index: number): string {
  return `⟦${index}⟧`;
}

export function closingToken(index: number): string {
  return `⟦/${index}⟧`;
}

interface Rule {
  kind: PlaceholderKind;
  pattern: RegExp;
  accept?: (match: string) => boolean;
}

const OPERAND = String.raw`(?:\p{N}+(?:[.,]\p{N}+)?[A-Za-z]?|[A-Za-z](?:_?\p{N}+)?|\p{Script=Greek})`;
const OPERATOR = String.raw`[=<>≤≥±×÷≈≠^∈∉⊂⊆→·*/+−-]`;
const STRONG_OPERATOR = /[=<>≤≥±×÷≈≠^∈∉⊂⊆→]/u;
const MATH_SYMBOLS = String.raw`[∑∏∫√∞∂∇∆]`;
/** Non-space characters a formula run may take in: never a token bracket. */
const FORMULA_CHAR = String.raw`[^\s⟦⟧]`;

/** Order matters: earlier rules claim their runs before later ones see the text. */
const RULES: Rule[] = [
  {
    kind: 'markup',
    pattern: /<\/?(?:b|i|u|em|strong|sup|sub|span|a|code|br|mark|small)\b[^<>]*>/giu,
  },
  { kind: 'code', pattern: /`[^`\n]+`/gu },
  {
    kind: 'url',
    pattern:
      /\b(?:https?|ftp):\/\/[^\s<>"'⟦⟧]*[^\s<>"'⟦⟧.,;:!?)\]]|\bwww\.[^\s<>"'⟦⟧]*[^\s<>"'⟦⟧.,;:!?)\]]/giu,
  },
  {
    kind: 'email',
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/gu,
  },
  {
    kind: 'formula',
    pattern: new RegExp(
      String.raw`(?<![\p{L}\p{N}])\(?${OPERAND}\)?(?:\s?${OPERATOR}\s?\(?${OPERAND}\)?)+(?![\p{L}\p{N}])|${FORMULA_CHAR}*${MATH_SYMBOLS}${FORMULA_CHAR}*`,
      'gu',
    ),
    accept: (m) => STRONG_OPERATOR.test(m) || new RegExp(MATH_SYMBOLS, 'u').test(m),
  },
  {
    kind: 'number',
    pattern:
      /(?<![\p{L}\p{N}⟦][-−]?)[-+−]?[$€£¥]?\p{N}+(?:[.,:/\u00a0-]\p{N}+)*%?(?![\p{L}\p{N}⟧])/gu,
  },
];

export interface ProtectResult {
  text: string;
  placeholders: Placeholder[];
}

/**
 * Replace untranslatable runs (markup, code, URLs, emails, formulas, numbers) by
 * placeholder tokens, numbering from `start`.
 */
export function protectText(input: string, start = 0): ProtectResult {
  const claimed: { from: number; to: number; kind: PlaceholderKind }[] = [];
  for (const rule of RULES) {
    for (const m of input.matchAll(rule.pattern)) {
      const from = m.index;
      const to = from + m[0].length;
      if (m[0].trim() === '' || (rule.accept && !rule.accept(m[0]))) continue;
      if (claimed.some((c) => from < c.to && to > c.from)) continue;
      claimed.push({ from, to, kind: rule.kind });
    }
  }
  claimed.sort((a, b) => a.from - b.from);
  return replaceRuns(
    input,
    claimed.map((c) => ({ ...c, restore: input.slice(c.from, c.to) })),
    start,
  );
}

function replaceRuns(
  input: string,
  runs: { from: number; to: number; kind: PlaceholderKind; restore: string }[],
  start: number,
): ProtectResult {
  const placeholders: Placeholder[] = [];
  let out = '';
  let at = 0;
  let next = start;
  for (const run of runs) {
    const token = placeholderToken(next++);
    out += input.slice(at, run.from) + token;
    placeholders.push({
      token,
      kind: run.kind,
      original: input.slice(run.from, run.to),
      restore: run.restore,
    });
    at = run.to;
  }
  return { text: out + input.slice(at), placeholders };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/**
 * Protect glossary source terms: each occurrence becomes a placeholder restored as the
 * glossary's translation. Longest terms win; terms match case-sensitively on word
 * boundaries (no boundary is required for scripts written without spaces).
 */
export function protectGlossary(
  text: string,
  placeholders: Placeholder[],
  glossary: readonly GlossaryEntry[],
): ProtectResult {
  if (glossary.length === 0) return { text, placeholders };
  const entries = [...glossary].sort((a, b) => b.term.length - a.term.length);
  const alternatives = entries.map((e) => {
    const body = escapeRegExp(e.term);
    return CJK.test(e.term) ? body : String.raw`(?<![\p{L}\p{N}])${body}(?![\p{L}\p{N}])`;
  });
  const pattern = new RegExp(alternatives.join('|'), 'gu');
  const byTerm = new Map(entries.map((e) => [e.term, e.translation]));
  const runs: { from: number; to: number; kind: PlaceholderKind; restore: string }[] = [];
  for (const m of text.matchAll(pattern)) {
    runs.push({
      from: m.index,
      to: m.index + m[0].length,
      kind: 'glossary',
      restore: byTerm.get(m[0]) ?? m[0],
    });
  }
  if (runs.length === 0) return { text, placeholders };
  const start = placeholders.reduce((max, p) => Math.max(max, tokenIndex(p.token) + 1), 0);
  const result = replaceRuns(text, runs, start);
  return { text: result.text, placeholders: [...placeholders, ...result.placeholders] };
}

function tokenIndex(token: string): number {
  return Number(token.slice(1, -1));
}

export interface PlaceholderCheck {
  ok: boolean;
  missing: string[];
  duplicated: string[];
  unknown: string[];
}

/**
 * Every placeholder of the source must appear exactly once in the translation, and no
 * other. Style pairs are checked apart (`checkStyleTags`): losing one costs a style, not
 * a number or a link.
 */
export function checkPlaceholders(
  translation: string,
  placeholders: readonly Placeholder[],
): PlaceholderCheck {
  const counts = new Map<string, number>();
  for (const m of translation.matchAll(PLACEHOLDER_PATTERN)) {
    const token = placeholderToken(Number(m[1]));
    counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  const known = new Set(placeholders.map((p) => p.token));
  const styles = new Set(placeholders.filter((p) => p.kind === 'style').map((p) => p.token));
  for (const token of styles) counts.delete(token);
  const missing = placeholders
    .filter((p) => p.kind !== 'style' && !counts.has(p.token))
    .map((p) => p.token);
  const duplicated = [...counts].filter(([t, n]) => known.has(t) && n > 1).map(([t]) => t);
  const unknown = [...counts.keys()].filter((t) => !known.has(t));
  return {
    ok: missing.length + duplicated.length + unknown.length === 0,
    missing,
    duplicated,
    unknown,
  };
}

/**
 * Replace tokens by their restore text. Style pairs stay, in canonical form, for
 * `reassemble` to turn into marks, and a math run that says how it is set comes back
 * inside a pair of its own token (unless `pairMath` is false); tokens the segment does
 * not know are dropped.
 */
export function restorePlaceholders(
  translation: string,
  placeholders: readonly Placeholder[],
  { pairMath = true }: { pairMath?: boolean } = {},
): string {
  const byToken = new Map(placeholders.map((p) => [p.token, p]));
  return translation.replace(TOKEN_PATTERN, (_, slash: string, n: string) => {
    const p = byToken.get(placeholderToken(Number(n)));
    if (p?.kind === 'style') return slash ? closingToken(Number(n)) : placeholderToken(Number(n));
    // A math run comes back inside a pair of its token, for `reassemble` to mark it.
    if (pairMath && p && !slash && isKeptRun(p))
      return placeholderToken(Number(n)) + p.restore + closingToken(Number(n));
    return slash || !p ? '' : p.restore;
  });
}

/**
 * A math run or a script of the source (kept as it is), whose restored text carries how
 * it is set.
 */
export function isKeptRun(p: Placeholder): boolean {
  return (p.kind === 'formula' && p.style?.math === true) || p.kind === 'script';
}

/** Text without any style pair (the words kept, their style dropped). */
export function stripStyleTags(text: string, placeholders: readonly Placeholder[]): string {
  const styles = new Set(placeholders.filter((p) => p.kind === 'style').map((p) => p.token));
  return text.replace(TOKEN_PATTERN, (m, slash: string, n: string) =>
    slash || styles.has(placeholderToken(Number(n))) ? '' : m,
  );
}

/** Text as a reader sees it: tokens restored, style pairs removed. */
export function plainText(text: string, placeholders: readonly Placeholder[]): string {
  return stripStyleTags(restorePlaceholders(text, placeholders, { pairMath: false }), placeholders);
}

/**
 * Whether every style pair of the source is in the translation exactly once, opened
 * before it is closed and nested properly, with no closing token of any other index.
 * A pair may wrap nothing only if its source run was nothing but tokens.
 */
export function checkStyleTags(translation: string, placeholders: readonly Placeholder[]): boolean {
  const styles = new Set(
    placeholders.filter((p) => p.kind === 'style').map((p) => Number(p.token.slice(1, -1))),
  );
  const opened = new Set<number>();
  const closed = new Set<number>();
  const stack: number[] = [];
  for (const m of translation.matchAll(TOKEN_PATTERN)) {
    const n = Number(m[2]);
    if (m[1]) {
      if (!styles.has(n) || closed.has(n) || stack.pop() !== n) return false;
      closed.add(n);
    } else if (styles.has(n)) {
      if (opened.has(n)) return false;
      opened.add(n);
      stack.push(n);
    }
  }
  return stack.length === 0 && opened.size === styles.size && closed.size === styles.size;
}

/**
 * Last resort for a translation whose placeholders came back wrong from every engine:
 * keep the first occurrence of each known token, drop the rest, append missing ones
 * so no number, URL or term is lost from the output.
 */
export function repairPlaceholders(
  translation: string,
  placeholders: readonly Placeholder[],
): string {
  const atoms = placeholders.filter((p) => p.kind !== 'style');
  const known = new Set(atoms.map((p) => p.token));
  const styles = new Set(placeholders.filter((p) => p.kind === 'style').map((p) => p.token));
  const seen = new Set<string>();
  // Style pairs are left as they came: `checkStyleTags` judges them afterwards.
  let out = translation.replace(PLACEHOLDER_PATTERN, (_, n: string) => {
    const token = placeholderToken(Number(n));
    if (styles.has(token)) return token;
    if (!known.has(token) || seen.has(token)) return '';
    seen.add(token);
    return token;
  });
  for (const p of atoms) if (!seen.has(p.token)) out += ` ${p.token}`;
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Text that is only placeholders, punctuation, symbols and space never goes to an engine. */
export function isUntranslatable(text: string): boolean {
  return !/\p{L}/u.test(text.replace(TOKEN_PATTERN, ''));
}
