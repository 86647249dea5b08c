import type { z } from 'zod';
import { DocatError } from '@docat/contracts';

/** Parse untrusted input with a contract schema; a mismatch is `VALIDATION_FAILED` listing each issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new DocatError(
    'VALIDATION_FAILED',
    errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '),
    { errors },
  );
}
