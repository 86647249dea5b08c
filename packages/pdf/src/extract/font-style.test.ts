import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fontStyle } from './page-reader.js';

test('font names give bold and italic, TeX short codes included', () => {
  const cases: [string, boolean, boolean][] = [
    ['ABCDEF+Helvetica-Bold', true, false],
    ['Times-Italic', false, true],
    ['Arial-BoldItalicMT', true, true],
    ['YPEZKV+SFBX1095', true, false],
    ['FJKNGJ+SFRM1095', false, false],
    ['CMBX12', true, false],
    ['CMTI10', false, true],
    ['CMBXTI10', true, true],
    ['CMSL10', false, true],
    ['SFBI1000', true, true],
    ['CMR10', false, false],
    // Math italic is a math font, not an italic text style.
    ['BKSOJG+CMMI10', false, false],
    ['CMSY10', false, false],
  ];
  for (const [name, bold, italic] of cases)
    assert.deepEqual(fontStyle(name), { bold, italic }, name);
});
