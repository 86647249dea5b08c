import { MAX_KEY_LENGTH } from './keys.js';

/** Keys every adapter must refuse (shared by the unit and contract tests). */
export const INVALID_KEYS = [
  '',
  '../etc/passwd',
  'uploads/../../escape',
  'uploads/./x',
  '/absolute',
  'a//b',
  'trailing/',
  'nul\0byte',
  '.hidden',
  'jobs/.tmp/x',
  'space in name',
  'ümlaut',
  'back\\slash',
  'semi;colon',
  'x'.repeat(MAX_KEY_LENGTH + 1),
];
