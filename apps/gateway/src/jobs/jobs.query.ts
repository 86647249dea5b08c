import { z } from 'zod';
import {
  decodeJobCursor,
  jobStateSchema,
  outputFormatSchema,
  type JobState,
  type OutputFormat,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { uuidParam } from '../http/path-params.js';

/** Job ids are UUIDs: anything else is a 400, before ingestion sees it. */
export function jobIdParam(id: string): string {
  return uuidParam(id, 'id');
}

const listQuerySchema = z.object({
  cursor: z
    .string()
    .optional()
    .refine(
      (c) => c === undefined || decodeJobCursor(c) !== null,
      'cursor is not one this API returned',
    ),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  state: jobStateSchema.optional(),
  /** A substring of the file name, any case. Empty means no filter. */
  q: z.string().trim().max(200).optional(),
});

export function listQuery(query: unknown): {
  cursor?: string;
  limit: number;
  state?: JobState;
  q?: string;
} {
  const { cursor, limit, state, q } = parseOrThrow(listQuerySchema, query ?? {});
  return {
    limit,
    ...(cursor !== undefined ? { cursor } : {}),
    ...(state ? { state } : {}),
    ...(q ? { q } : {}),
  };
}

const resultQuerySchema = z.object({ format: outputFormatSchema });

export function resultFormat(query: unknown): OutputFormat {
  return parseOrThrow(resultQuerySchema, query ?? {}).format;
}
