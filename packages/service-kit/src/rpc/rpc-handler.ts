import {
  applyDecorators,
  Body,
  Query,
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
 * Parses a parameter with a schema; a mismatch is `VALIDATION_FAILED` listing each issue, as
 * `parseOrThrow` gives it. With `only`, the pipe can sit on a whole handler: it parses the
 * whole parameter of that type (Nest hands pipes a message's `@Payload()` as 'body', like an
 * HTTP body) and passes the others (`@Ctx()`, `@Payload('field')`) through untouched.
 */
export class SchemaPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly only?: ArgumentMetadata['type'],
  ) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    if (this.only !== undefined && (metadata.type !== this.only || metadata.data !== undefined))
      return value as z.output<S>;
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
    UsePipes(new SchemaPipe(RPC_CONTRACTS[pattern].request, 'body')),
  );
}

/** An event's (or any message's) payload parsed by `schema`: `@ValidPayload(schema) event: T`. */
export function ValidPayload(schema: z.ZodType): ParameterDecorator {
  return Payload(new SchemaPipe(schema));
}

/** An HTTP request body parsed by `schema`: `@ValidBody(schema) body: T`. */
export function ValidBody(schema: z.ZodType): ParameterDecorator {
  return Body(new SchemaPipe(schema));
}

/** An HTTP query string parsed by `schema`. */
export function ValidQuery(schema: z.ZodType): ParameterDecorator {
  return Query(new SchemaPipe(schema));
}
