import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatNumber, serializeContent } from './content-serializer.js';
import { parseContent, tokenize } from './content-tokenizer.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('content tokenizer', () => {
  test('reads numbers, names, strings, arrays, dicts and operators', () => {
    const ops = parseContent(
      bytes(
        '/F1 12 Tf [(a\\(b\\)) -250 <4142>] TJ /Span <</MCID 3 /A [1 2]>> BDC 0.5 .5 -.5 +3 d0 /A#20B Do',
      ),
    );
    assert.deepEqual(
      ops.map((o) => o.op),
      ['Tf', 'TJ', 'BDC', 'd0', 'Do'],
    );
    const tj = ops[1]!.operands[0]!;
    assert.equal(tj.kind, 'array');
    if (tj.kind === 'array') {
      assert.equal(tj.items.length, 3);
      assert.deepEqual(tj.items[0], { kind: 'string', bytes: bytes('a(b)'), hex: false });
      assert.deepEqual(tj.items[2], { kind: 'string', bytes: bytes('AB'), hex: true });
    }
    assert.deepEqual(
      ops[3]!.operands.map((v) => (v.kind === 'number' ? v.value : null)),
      [0.5, 0.5, -0.5, 3],
    );
    assert.deepEqual(ops[4]!.operands[0], { kind: 'name', value: 'A B' });
  });

  test('literal strings: nesting, octal and line-continuation escapes, bare CR', () => {
    const [op] = parseContent(bytes('((x(y)z)\\101\\7\\\nq\r\n) Tj'));
    assert.deepEqual(op!.operands[0], {
      kind: 'string',
      bytes: bytes('(x(y)z)A\x07q\n'),
      hex: false,
    });
  });

  test('inline image data containing EI is not cut short', () => {
    const data = 'xx EI\x00\x01 yy';
    const src = bytes(`q BI /W 2 /H 1 /F /Fl ID ${data}\nEI Q`);
    const ops = parseContent(src);
    assert.deepEqual(
      ops.map((o) => o.op),
      ['q', 'BI', 'Q'],
    );
    assert.equal(text(ops[1]!.inlineImage!.data), data);
  });

  test('unfiltered inline image is read by its computed size', () => {
    const ops = parseContent(bytes('BI /W 4 /H 1 /BPC 8 /CS /G ID EI  \nEI Q'));
    assert.equal(text(ops[0]!.inlineImage!.data), 'EI  ');
    assert.equal(ops[1]!.op, 'Q');
  });

  test('tolerates junk: stray delimiters, unterminated strings, comments', () => {
    const tokens = tokenize(bytes('] } 1 0 0 1 0 0 cm % note\n) (never closed'));
    assert.ok(tokens.some((t) => t.type === 'junk'));
    assert.ok(tokens.some((t) => t.type === 'comment' && t.text === ' note'));
    const ops = parseContent(bytes('] 1 0 0 1 0 0 cm (open'));
    assert.equal(ops[0]!.op, 'cm');
    assert.equal(ops[1]!.op, '');
  });

  test('serializing is a fixed point and keeps values', () => {
    const src = bytes(
      'BT /F1 9.5 Tf [(\\(x\\)\\r) 120 <00ff>] TJ ET /P <</MCID 0>> BDC EMC 0.0000001 w',
    );
    const once = serializeContent(parseContent(src));
    assert.equal(text(serializeContent(parseContent(once))), text(once));
    assert.match(text(once), /\[\(\\\(x\\\)\\r\) 120 <00ff>\] TJ/);
    assert.match(text(once), /\n0\.0000001 w\n/);
  });

  test('numbers are written without exponents', () => {
    assert.equal(formatNumber(1e-7), '0.0000001');
    assert.equal(formatNumber(-0.25), '-0.25');
    assert.equal(formatNumber(1e21), '1000000000000000000000');
    assert.equal(formatNumber(Number.NaN), '0');
  });
});
