import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FontLibrary, type TextStyle } from '../fonts/font-library.js';
import { TextShaper } from './text-shaper.js';

const library = new FontLibrary();

/** Glyph ids and positions fontkit gives `text` shaped whole, in `style`'s face for it. */
function shapedWhole(language: string, style: TextStyle, text: string) {
  const items = library.itemize(text, language, style);
  return items.flatMap((item) => {
    const font = library.font(item.face!);
    const run = font.layout(item.text);
    return run.glyphs
      .map((g, i) => ({ id: g.id, ...run.positions[i]! }))
      .filter((g) => g.id !== 0)
      .map((g) => [g.id, g.xAdvance, g.xOffset, g.yOffset]);
  });
}

const LINES: [string, string][] = [
  ['en', 'AVAST! To Wave, Yes: “office” flows of ﬁne affinity, fjord — Tj 1,234.5 %'],
  ['de', 'Größere Straßenbahn fährt über Äcker; „Anführung“ und ’s Wort'],
  ['fr', 'L’œuvre « Très » coûte 12 € ; Voilà, c’est ça !'],
  ['ru', 'Съешь же ещё этих мягких французских булок, да выпей чаю'],
  ['el', 'Ξεσκεπάζω την ψυχοφθόρα βδελυγμία'],
  ['vi', 'Tiếng Việt có dấu: Đường phố Hà Nội'],
  ['ja', 'これは日本語の文です。 Mixed with Latin text'],
];

test('a line shaped word by word gets the glyphs and positions it gets shaped whole', () => {
  for (const design of ['sans', 'serif'] as const) {
    for (const bold of [false, true]) {
      for (const italic of [false, true]) {
        const style = { design, bold, italic };
        for (const [language, text] of LINES) {
          const shaper = new TextShaper(library, language, style, 'ltr');
          // Twice: the second line comes from the words already shaped.
          for (let round = 0; round < 2; round++) {
            const line = shaper.shapeLine(text);
            const got = line.runs.flatMap((r) =>
              r.glyphs.map((g) => [g.glyph.id, g.xAdvance, g.xOffset, g.yOffset]),
            );
            assert.deepEqual(
              got,
              shapedWhole(language, style, text),
              `${language} ${design} ${bold} ${italic}`,
            );
            assert.equal(
              line.runs.map((r) => r.text).join(''),
              text.replace(/[^]/gu, (c) => c),
            );
          }
        }
      }
    }
  }
});
