/**
 * Join the lines of a block into one string. A line ending in a hyphen after a
 * letter, followed by a line starting with a lowercase letter, is a word broken
 * across lines: the hyphen goes and the halves join. A soft hyphen always joins.
 */
export function joinLines(lines: readonly string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (!out) {
      out = line;
      continue;
    }
    if (out.endsWith('\u00AD')) {
      out = out.slice(0, -1) + line;
    } else if (/\p{Ll}[-‐]$/u.test(out) && /^\p{Ll}/u.test(line)) {
      out = out.slice(0, -1) + line;
    } else if (
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u.test(out) &&
      /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(line)
    ) {
      // CJK text has no spaces between words; a line break is not a space.
      out += line;
    } else {
      out += ' ' + line;
    }
  }
  return out;
}
