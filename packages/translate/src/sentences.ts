/**
 * Sentence splitting for segmenting. Rule-based rather than ICU's UAX #29 segmenter,
 * which breaks after every "Dr." and "e.g."; the rules here keep abbreviations,
 * initials and decimals inside their sentence and break after CJK full stops, which
 * need no following space.
 */

const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'vs',
  'cf',
  'ca',
  'approx',
  'e.g',
  'i.e',
  'viz',
  'fig',
  'figs',
  'eq',
  'eqs',
  'no',
  'nos',
  'vol',
  'vols',
  'pp',
  'p',
  'ch',
  'sec',
  'ref',
  'refs',
  'ed',
  'eds',
  'al',
  'inc',
  'ltd',
  'co',
  'corp',
  'dept',
  'univ',
  'assoc',
  'est',
  'gen',
  'gov',
  'rev',
  'resp',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'z.b',
  'bzw',
  'ggf',
  'usw',
  'vgl',
  'nr',
  'abb',
  'bd',
  'hrsg',
  'u.a',
  'd.h',
  'mme',
  'mlle',
  'cit',
  'op',
  'art',
]);

const CJK_STOP = /[。！？｡]/u;
const CLOSERS = /["'”’»)\]」』）】〉》]/u;
const OPENERS = /["'“‘«([「『（【〈《¿¡⟦]/u;

function wordBefore(text: string, dot: number): string {
  let i = dot;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1]!)) i--;
  return text.slice(i, dot);
}

function isAbbreviation(word: string): boolean {
  if (word === '') return false;
  // Initials: "J." in "J. R. R. Tolkien"; dotted acronyms such as "U.S" or "e.g".
  if (/^\p{Lu}$/u.test(word)) return true;
  if (/^(?:\p{L}\.)+\p{L}$/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Split text into sentences; each keeps its trailing punctuation. Whitespace between them
 * is returned as `lead`. Characters `closing` names (a footnote mark's) after a sentence's
 * punctuation end it like a closing quote.
 */
export function splitSentences(
  text: string,
  closing: (index: number) => boolean = () => false,
): { text: string; lead: string }[] {
  const out: { text: string; lead: string }[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number): void => {
    const piece = text.slice(start, end);
    const trimmed = piece.trimStart();
    if (trimmed.trim() !== '')
      out.push({ text: trimmed.trimEnd(), lead: piece.slice(0, piece.length - trimmed.length) });
    start = end;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (CJK_STOP.test(ch)) {
      let end = i + 1;
      while (
        end < text.length &&
        (CJK_STOP.test(text[end]!) || CLOSERS.test(text[end]!) || closing(end))
      )
        end++;
      push(end);
      i = end;
      continue;
    }
    if (ch === '.' || ch === '!' || ch === '?' || ch === '…') {
      let end = i + 1;
      while (end < text.length && /[.!?…]/u.test(text[end]!)) end++;
      while (end < text.length && (CLOSERS.test(text[end]!) || closing(end))) end++;
      if (end >= text.length) break;
      if (!/\s/u.test(text[end]!)) {
        i = end;
        continue;
      }
      let next = end;
      while (next < text.length && /\s/u.test(text[next]!)) next++;
      const following = text[next] ?? '';
      const startsSentence =
        /[\p{Lu}\p{Lt}\p{N}]/u.test(following) ||
        OPENERS.test(following) ||
        /[^\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\P{L}]/u.test(following);
      const abbreviated = ch === '.' && end === i + 1 && isAbbreviation(wordBefore(text, i));
      if (startsSentence && !abbreviated) push(end);
      i = end;
      continue;
    }
    i++;
  }
  push(text.length);
  return out;
}
