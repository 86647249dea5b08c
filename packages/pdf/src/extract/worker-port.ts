/**
 * The channel between pdf.js's two halves in one thread, without a structured clone of the
 * page's text layer and operator list.
 *
 * In Node pdf.js runs its worker half in the same thread behind a `LoopbackPort` whose
 * `postMessage` deep-copies every message with `structuredClone`: every text-layer chunk
 * (one object per text run, with its transform) and every operator-list chunk (one array of
 * arguments per operator, the glyphs of every `showText` included) is serialized and built
 * again, and the copies are garbage a moment later. Those two kinds of chunk are the bulk of
 * what crosses; nothing else in the sender touches what they hold once they are sent, so
 * this port hands them over as they are, each in a new wrapper:
 *
 * - a text-layer chunk (`{ items, styles, lang }`): the sender then replaces `items` and
 *   `styles` with new ones in the same wrapper object (evaluator `enqueueChunk`), so the
 *   wrapper is copied and the arrays and objects it names are passed on;
 * - an operator-list chunk (`{ fnArray, argsArray, ... }`): the sender empties both arrays
 *   in place right after sending (`OperatorList.flush`), so they are copied (shallow: each
 *   operator's arguments are built per operator, or taken from the worker's caches, which
 *   nothing on the receiving side writes to).
 *
 * Every other message (document set-up, fonts, images, errors, replies) is cloned as
 * `LoopbackPort` clones it, transfers included. Messages are delivered as it delivers them:
 * each in a microtask of its own, in the order they were posted, to every listener.
 */

/** pdf.js's `StreamKind.ENQUEUE`: a chunk of a stream (text layer, operator list, data). */
const STREAM_ENQUEUE = 4;

/** What `structuredClone` may move instead of copying (pdf.js sends `ArrayBuffer`s). */
type Transfer = ArrayBuffer;

interface StreamMessage {
  stream?: unknown;
  chunk?: unknown;
}

function passOn(message: unknown, transfer: Transfer[] | undefined): unknown {
  const m = message as StreamMessage | null;
  if (
    m !== null &&
    typeof m === 'object' &&
    m.stream === STREAM_ENQUEUE &&
    typeof m.chunk === 'object' &&
    m.chunk !== null
  ) {
    const chunk = m.chunk as Record<string, unknown>;
    if (Array.isArray(chunk.items) && typeof chunk.styles === 'object')
      return { ...m, chunk: { ...chunk } };
    if (Array.isArray(chunk.fnArray) && Array.isArray(chunk.argsArray))
      return {
        ...m,
        chunk: { ...chunk, fnArray: chunk.fnArray.slice(), argsArray: chunk.argsArray.slice() },
      };
  }
  return structuredClone(message, transfer ? { transfer } : undefined);
}

type Listener = (this: DirectWorkerPort, event: { data: unknown }) => void;

/** A `LoopbackPort` (same delivery, same listener API) that does not clone page content. */
export class DirectWorkerPort {
  readonly #listeners = new Map<Listener, (() => void) | null>();
  readonly #deferred = Promise.resolve();

  postMessage(message: unknown, transfer?: Transfer[]): void {
    const event = { data: passOn(message, transfer) };
    void this.#deferred.then(() => {
      for (const [listener] of this.#listeners) listener.call(this, event);
    });
  }

  addEventListener(
    _name: string,
    listener: Listener,
    options: { signal?: AbortSignal } | null = null,
  ): void {
    let rmAbort: (() => void) | null = null;
    const signal = options?.signal;
    if (signal instanceof AbortSignal) {
      if (signal.aborted) return;
      const onAbort = () => this.removeEventListener(_name, listener);
      rmAbort = () => signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', onAbort);
    }
    this.#listeners.set(listener, rmAbort);
  }

  removeEventListener(_name: string, listener: Listener): void {
    this.#listeners.get(listener)?.();
    this.#listeners.delete(listener);
  }

  terminate(): void {
    for (const [, rmAbort] of this.#listeners) rmAbort?.();
    this.#listeners.clear();
  }
}
