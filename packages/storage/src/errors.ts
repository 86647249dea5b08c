import { DocatError } from '@docat/contracts';

export function notFound(key: string): DocatError {
  return new DocatError('NOT_FOUND', `object ${key} does not exist`);
}

export function unsatisfiableRange(key: string, start: number, bytes: number): DocatError {
  return new DocatError(
    'VALIDATION_FAILED',
    `range starting at byte ${start} is outside object ${key} (${bytes} bytes)`,
  );
}

export function lengthMismatch(key: string, expected: number, actual: number): DocatError {
  return new DocatError(
    'VALIDATION_FAILED',
    `body for ${key} has ${actual > expected ? 'more than' : 'only'} ${actual} bytes, expected ${expected}`,
  );
}

export function assertRange(range: { start: number; end?: number }): void {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  )
    throw new DocatError('VALIDATION_FAILED', `invalid byte range ${start}-${end ?? ''}`);
}
