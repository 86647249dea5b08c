import assert from 'node:assert/strict';
import { test } from 'node:test';
import { designOfFontName } from './font-library.js';

test('designOfFontName: TeX and book faces whose names do not say "serif" are serif', () => {
  for (const name of [
    'ZRDNOJ+TeXGyreTermesX-Regular', // newtx (Times) in LaTeX papers
    'FJKNGJ+SFRM1095', // EC roman (cm-super), LaTeX with T1 encoding
    'AHHNRG+SFTI1095',
    'YPEZKV+SFBX1095',
    'ECRM1000',
    'NYYIGP+CMR10',
    'TeXGyrePagella-Regular',
    'Melior',
    'Melior-Italic',
    'LinLibertineT',
    'STIXTwoText',
    'TimesNewRomanPSMT',
    'Cambria-Bold',
    'NimbusRomNo9L-Regu',
  ]) {
    assert.equal(designOfFontName(name), 'serif', name);
  }
});

test('designOfFontName: sans faces stay sans, TeX sans included', () => {
  for (const name of [
    'CUBAGX+SFSX1440', // EC sans bold extended: a LaTeX KOMA heading
    'XYLNGW+CMSS10',
    'OUCZRR+NimbusSanL-Bold',
    'Arial,Bold',
    'CenturyGothic',
    'MyriadPro-Regular',
    'BCDGEE+Aptos',
    'Helvetica',
    'TrebuchetMS-Bold',
    'UnknownFace', // no sign either way: sans, the neutral choice
  ]) {
    assert.equal(designOfFontName(name), 'sans', name);
  }
});
