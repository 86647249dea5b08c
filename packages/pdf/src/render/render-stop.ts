/**
 * A point between pages (or between long steps) of a render where it may be stopped.
 *
 * With a signal, the render gives its event loop one turn first: a stop sent to a busy
 * render thread is a message, and a message is taken only when the loop turns. A render
 * stopped here ends with the signal's reason thrown from a known place, between native
 * calls (inflating a stream, subsetting a font), so the thread can end on its own
 * rather than be terminated in the middle of one. Without a signal it costs nothing.
 */
export async function renderCheckpoint(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return;
  if (!signal.aborted) await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}
