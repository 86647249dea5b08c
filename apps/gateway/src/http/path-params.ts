import { DocatError, idSchema } from '@docat/contracts';

/**
 * An id in a path. Every Docat id is a UUID: anything else is refused here with 400
 * VALIDATION_FAILED (naming the parameter), before any service or database sees it. A
 * well-formed id that names nothing of the caller's is 404, decided by its owner.
 */
export function uuidParam(value: string, name = 'id'): string {
  if (!idSchema.safeParse(value).success) {
    throw new DocatError('VALIDATION_FAILED', `${name} is not an id`, {
      errors: [{ path: name, message: 'expected a UUID' }],
    });
  }
  return value.toLowerCase();
}
