import { z } from 'zod';
import { ERROR_CODE_LIST, type ErrorCode } from './error-codes.js';

export {
  ERROR_CODES,
  ERROR_CODE_LIST,
  isErrorCode,
  PROBLEM_TYPE_BASE,
  DocatError,
  toDocatError,
  type ErrorCode,
} from './error-codes.js';

export const errorCodeSchema = z.enum(ERROR_CODE_LIST as [ErrorCode, ...ErrorCode[]]);

/** RFC 9457 problem details with Docat's stable `code`. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  code: errorCodeSchema,
  requestId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const wireErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;
