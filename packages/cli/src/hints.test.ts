import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DocatError } from '@docat/contracts/core';
import { HintedError, flagOf, hintFor, respectPermissions } from './hints.js';

test('upload fields are named by the flags a user typed', () => {
  assert.equal(flagOf('targetLanguage'), '--to');
  assert.equal(flagOf('outputs'), '--format');
  assert.equal(flagOf('somethingElse'), 'somethingElse');
});

test('the failures a user can act on carry the flag or variable that helps', () => {
  assert.match(hintFor(new DocatError('PDF_PASSWORD_REQUIRED')) ?? '', /--password/u);
  assert.match(
    hintFor(new DocatError('PDF_COPY_PROTECTED')) ?? '',
    /RESPECT_PDF_PERMISSIONS=false/u,
  );
  assert.match(hintFor(new DocatError('PDF_TIMEOUT')) ?? '', /--pages/u);
  assert.equal(hintFor(new DocatError('PDF_CORRUPT')), undefined);
  const hinted = new HintedError(new DocatError('ENGINE_FAILED', 'refused'), 'check the key');
  assert.equal(hinted.code, 'ENGINE_FAILED');
  assert.equal(hinted.detail, 'refused');
  assert.equal(hinted.hint, 'check the key');
});

test('RESPECT_PDF_PERMISSIONS reads as the services read it', () => {
  assert.equal(respectPermissions({}), true);
  assert.equal(respectPermissions({ RESPECT_PDF_PERMISSIONS: '' }), true);
  assert.equal(respectPermissions({ RESPECT_PDF_PERMISSIONS: 'FALSE' }), false);
  assert.equal(respectPermissions({ RESPECT_PDF_PERMISSIONS: '0' }), false);
  assert.equal(respectPermissions({ RESPECT_PDF_PERMISSIONS: 'yes' }), true);
  assert.throws(
    () => respectPermissions({ RESPECT_PDF_PERMISSIONS: 'maybe' }),
    (err: unknown) => err instanceof DocatError && err.code === 'VALIDATION_FAILED',
  );
});
