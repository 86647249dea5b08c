import {
  applyDecorators,
  UsePipes,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { z } from 'zod';
import { RPC_CONTRACTS } from '@docat/contracts';
import { parseOrThrow } from '../errors/validate.js';

export type RpcContractPattern = keyof typeof RPC_CONTRACTS;

/** What a handler of `P` receives: the request after its contract parsed it (defaults applied). */
export type RpcPayload<P extends RpcContractPattern> = z.output<
  (typeof RPC_CONTRACTS)[P]['request']
>;

/**
 * Parses a message's whole payload with a schema; a mismatch is `VALIDATION_FAILED` listing
 * each issue, as `parseOrThrow` gives it. Other parameters (`@Ctx()`, `@Payload('field')`)
 * pass through untouched, so the pipe can sit on a whole handler.
 */
export class PayloadSchemaPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    // Nest hands pipes a message's `@Payload()` as type 'body', as it does an HTTP body.
    if (metadata.type !== 'body' || metadata.data !== undefined) return value as z.output<S>;
    return parseOrThrow(this.schema, value);
  }
}

/**
 * Answers the RPC `pattern`, with its `@Payload()` parsed by the pattern's request contract
 * before the handler runs:
 *
 *     @RpcHandler(RPC.JOBS_GET)
 *     get(@Payload() req: RpcPayload<typeof RPC.JOBS_GET>) { ... }
 */
export function RpcHandler(pattern: RpcContractPattern): MethodDecorator {
  return applyDecorators(
    MessagePattern(pattern),
    UsePipes(new PayloadSchemaPipe(RPC_CONTRACTS[pattern].request)),
  );
}

/** An event's (or any message's) payload parsed by `schema`: `@ValidPayload(schema) event: T`. */
export function ValidPayload(schema: z.ZodType): ParameterDecorator {
  return Payload(new PayloadSchemaPipe(schema));
}
