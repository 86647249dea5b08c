import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffPdfSignature } from './pdf-signature.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('sniffPdfSignature', () => {
  test('a PDF header at the start is a PDF', () => {
    assert.equal(sniffPdfSignature(bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')), 'pdf');
  });

  test('a UTF-8 BOM and white-space before the header are tolerated', () => {
    assert.equal(
      sniffPdfSignature(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('\r\n \t%PDF-1.4')])),
      'pdf',
    );
    assert.equal(sniffPdfSignature(bytes(`${' '.repeat(1000)}%PDF-1.4`)), 'pdf');
  });

  test('white-space reaching past the 1024-byte window is refused', () => {
    assert.equal(sniffPdfSignature(bytes(`${' '.repeat(1024)}%PDF-1.4`)), 'not-pdf');
  });

  test('other content before the header is refused', () => {
    assert.equal(sniffPdfSignature(bytes('junk%PDF-1.4')), 'not-pdf');
    assert.equal(sniffPdfSignature(bytes('<html>%PDF-')), 'not-pdf');
  });

  test('a PNG is not a PDF, on its first byte', () => {
    assert.equal(
      sniffPdfSignature(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
      'not-pdf',
    );
    assert.equal(sniffPdfSignature(Buffer.from([0x89])), 'not-pdf');
  });

  test('a header split across chunks needs more bytes, then decides', () => {
    assert.equal(sniffPdfSignature(bytes('')), 'need-more');
    assert.equal(sniffPdfSignature(bytes('%PD')), 'need-more');
    assert.equal(sniffPdfSignature(Buffer.from([0xef, 0xbb])), 'need-more');
    assert.equal(sniffPdfSignature(bytes('   ')), 'need-more');
    assert.equal(sniffPdfSignature(bytes('%PDX')), 'not-pdf');
  });

  test('a broken byte order mark is refused', () => {
    assert.equal(sniffPdfSignature(Buffer.from([0xef, 0xbb, 0x25])), 'not-pdf');
  });

  test('lower case is not the header', () => {
    assert.equal(sniffPdfSignature(bytes('%pdf-1.4')), 'not-pdf');
  });
});
