import { BaseRpcContext } from '@nestjs/microservices';
import type { Envelope, EnvelopeContext } from '@docat/contracts';

type MessageContextArgs = [envelope: Envelope, deadline: number | undefined, source: string];

/**
 * The Nest context object handed to every `@MessagePattern` / `@EventPattern` handler
 * (`@Ctx() ctx: MessageContext`). It carries the envelope metadata so trace context,
 * request id and user id propagate to downstream calls.
 */
export class MessageContext extends BaseRpcContext<MessageContextArgs> {
  getEnvelope(): Envelope {
    return this.args[0];
  }

  getPattern(): string {
    return this.args[0].type;
  }

  /** Absolute deadline (epoch ms) of a request; undefined for events. */
  getDeadline(): number | undefined {
    return this.args[1];
  }

  /** Milliseconds left before the caller gives up (Infinity for events). */
  remainingMs(now: number = Date.now()): number {
    const deadline = this.args[1];
    return deadline === undefined ? Infinity : Math.max(0, deadline - now);
  }

  /** The stream key (Redis) or bus name (in-process) the message came from. */
  getSource(): string {
    return this.args[2];
  }

  /** Metadata to pass on to calls made while handling this message. */
  propagate(): EnvelopeContext {
    const { traceparent, tracestate, requestId, userId } = this.args[0];
    const context: EnvelopeContext = {};
    if (traceparent !== undefined) context.traceparent = traceparent;
    if (tracestate !== undefined) context.tracestate = tracestate;
    if (requestId !== undefined) context.requestId = requestId;
    if (userId !== undefined) context.userId = userId;
    return context;
  }
}

export class RedisStreamsContext extends MessageContext {
  private readonly entryId: string;

  constructor(envelope: Envelope, deadline: number | undefined, stream: string, entryId: string) {
    super([envelope, deadline, stream]);
    this.entryId = entryId;
  }

  getStream(): string {
    return this.getSource();
  }

  getEntryId(): string {
    return this.entryId;
  }
}

export class InProcessContext extends MessageContext {
  constructor(envelope: Envelope, deadline: number | undefined, bus: string) {
    super([envelope, deadline, bus]);
  }
}
