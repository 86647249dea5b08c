import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeTextLayer, scriptOfLanguage } from './text-layer-check.js';

const english =
  'Dynamic languages such as JavaScript are more difficult to compile than statically typed ones. Since no concrete ' +
  'type information is available, traditional compilers need to emit generic code that can handle all possible type ' +
  'combinations at runtime. We present an alternative compilation technique for dynamically typed languages.';
const lookalike =
  'Bce npaBa 3aLLlnLLleHbl. Ha ocHoBaHnn cTaTbn 12 3aKoHa o6 o6pa3oBaHnn, koTopbIe 6bInn npnHRTbl B npoLLlnoM roAy, ' +
  'npaBnTenbcTBo pelllnno cosAaTb HoByIO KoMnccnIO no Bonpocam Ka4ecTBa o6pa3oBaHnq n HayKn n 4To-To eLLe.';
const offByEncoding =
  'Ýãõ ìáöç ðñïò ÷ñÞóç ôùí õðïëïãéóôþí. Ç åöáñìïãÞ ôçò ìåèüäïõ óôçí ðñÜîç Ýäåéîå üôé ôá áðïôåëÝóìáôá åßíáé ' +
  'éêáíïðïéçôéêÜ ãéá ôçí ðëåéïíüôçôá ôùí ðåñéðôþóåùí êáé ôùí áðïôåëåóìÜôùí ôçò Ýñåõíáò óôï ðåäßï.';

test('prose reads as its language, declared or not', () => {
  assert.equal(judgeTextLayer(english, undefined).readable, true);
  assert.equal(judgeTextLayer(english, 'en').readable, true);
  const french =
    "L'extraction garde la mise en page: les élèves ont été évalués à la fin de l'année scolaire, et les résultats sont présentés dans le tableau suivant avec leurs écarts.";
  assert.equal(judgeTextLayer(french, 'fr').readable, true);
  const code =
    'for (let i = 0; i < pages.length; i++) { const page = await doc.getPage(i + 1); layout(page); readFileSync(path); toPlainText(document); getTextContent(); }';
  assert.equal(judgeTextLayer(code, 'en').readable, true);
});

test('Latin look-alikes of a Cyrillic text do not read, with or without a declared language', () => {
  const line =
    'Bce npaBa 3aLLlnLLleHbl. Ha ocHoBaHnn cTaTbn 12 3aKoHa o6 o6pa3oBaHnn, koTopbIe 6bInn npnHRTbl B npoLLlnoM roAy ';
  assert.equal(judgeTextLayer(line.repeat(3), undefined).readable, false);
  const declared = judgeTextLayer(lookalike, 'ru');
  assert.equal(declared.readable, false);
  assert.match(declared.reason!, /Latin script, not the Cyrillic/);
  assert.equal(judgeTextLayer(lookalike, undefined).readable, false);
});

test('a Unicode map off by an encoding does not read', () => {
  const j = judgeTextLayer(offByEncoding, undefined);
  assert.equal(j.readable, false);
  assert.match(j.reason!, /not words of any language/);
});

test('short text is not judged', () => {
  assert.equal(judgeTextLayer('Bce npaBa 3aLLlnLLleHbl', 'ru').readable, true);
  assert.equal(scriptOfLanguage('zh-Hant'), 'Han');
  assert.equal(scriptOfLanguage('pt-BR'), 'Latin');
});
