import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { DocatError, type Envelope } from '@docat/contracts';
import { invokeHandler } from './handler-invoker.js';
import { assertHandlersRegistered } from './boot-check.js';
import { runIncoming } from './trace-context.js';
import type { MessageContext } from './message.context.js';
import { isTypedError, jsonSafe, toWireError, type ReplyPayload } from './wire.js';

/**
 * What the Redis Streams server and its in-process twin share: how a validated envelope
 * becomes a handler call, a reply payload, and processing-hook spans.
 */
export abstract class EnvelopeServer extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;

  /** RPC patterns and work / broadcast events this server has handlers for. */
  protected handlerPatterns(broadcast: ReadonlySet<string>): {
    rpc: string[];
    work: string[];
    broadcast: string[];
  } {
    const rpc: string[] = [];
    const work: string[] = [];
    const bcast: string[] = [];
    for (const [pattern, handler] of this.getHandlers()) {
      if (!handler.isEventHandler) rpc.push(pattern);
      else if (broadcast.has(pattern)) bcast.push(pattern);
      else work.push(pattern);
    }
    return { rpc, work, broadcast: bcast };
  }

  /**
   * Docat's patterns are plain strings, registered as they are sent: a map lookup. Nest's
   * own lookup first tries `JSON.parse` on every incoming pattern, and the exception a
   * plain name throws there cost a twentieth of a status poll.
   */
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
  }

  protected checkRequired(required: readonly string[] | undefined): void {
    if (required) assertHandlersRegistered(this, required);
  }

  /** Runs a request handler; never throws. A passed deadline yields DEADLINE_EXCEEDED. */
  protected async executeRequest(
    envelope: Envelope,
    context: MessageContext,
  ): Promise<ReplyPayload> {
    const handler = this.getHandlerByPattern(envelope.type);
    if (!handler || handler.isEventHandler) {
      return {
        ok: false,
        error: new DocatError('SERVICE_UNAVAILABLE', `no handler for ${envelope.type}`).toWire(),
      };
    }
    try {
      const result = await runIncoming('rpc', envelope, () =>
        this.runHooked(context, () => invokeHandler(handler, envelope.data, context)),
      );
      return { ok: true, data: jsonSafe(result) };
    } catch (err) {
      if (!isTypedError(err)) this.logger.error(`handler for ${envelope.type} failed`, err);
      return { ok: false, error: toWireError(err) };
    }
  }

  /** Runs every event handler registered for the envelope's type; never throws. */
  protected async executeEvent(envelope: Envelope, context: MessageContext): Promise<void> {
    const handler: MessageHandler | null = this.getHandlerByPattern(envelope.type);
    if (!handler || !handler.isEventHandler) {
      this.logger.warn?.(`no event handler for ${envelope.type}`);
      return;
    }
    try {
      await runIncoming('event', envelope, () =>
        this.runHooked(context, () => invokeHandler(handler, envelope.data, context)),
      );
    } catch (err) {
      this.logger.error(`event handler for ${envelope.type} failed`, err);
    }
  }

  private runHooked<T>(context: MessageContext, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const transportId = this.transportId ?? TRANSPORT_ID;
      this.onProcessingStartHook(transportId, context, async () => {
        const end = this.createProcessingEndHookRunner(context);
        try {
          resolve(await work());
        } catch (err) {
          reject(err);
        } finally {
          end();
        }
      });
    });
  }
}

export const TRANSPORT_ID = Symbol('DOCAT_TRANSPORT');
