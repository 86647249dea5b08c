import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { DocatError } from '@docat/contracts';
import { renderPdfs } from '../steps/outputs.step.js';
import type {
  RenderReply,
  RenderRequest,
  RenderThreadData,
  StopRequest,
} from './render-thread.protocol.js';

/**
 * The render thread: renders the translated PDF (and the bilingual one) for one job and
 * ends. Started by `renderInThread`; each thread serves exactly one request.
 *
 * It ends on its own, never mid-call: after its reply it lets its port go and its event
 * loop runs dry. A stop message ends the render at its next page or step (the renderer
 * turns the event loop there to take it), and the thread then ends the same way. Being
 * terminated instead can land inside the construction of a zlib stream, and Node then
 * aborts the whole process when it cleans the thread up (`close before init`).
 */
const port = parentPort;
if (!port) throw new Error('render.worker.js runs only as a worker thread');

// On Linux the nice value belongs to each thread, and pid 0 means this one: in a service the
// render yields the CPU to the service's own thread (queue lease, probes, metrics) on a busy
// machine. Elsewhere it would lower the whole process, so it is left alone. The CLI's main
// thread only waits for the render: there it keeps the normal priority.
if (process.platform === 'linux' && (workerData as RenderThreadData | undefined)?.lowerPriority) {
  try {
    setPriority(0, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not allowed here (some sandboxes forbid it): render at the normal priority.
  }
}

const stop = new AbortController();

function reply(message: RenderReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function render(request: RenderRequest): Promise<void> {
  const result = await renderPdfs({
    original: request.source,
    source: request.layout,
    translations: request.translations,
    targetLanguage: request.targetLanguage,
    ...(request.password !== undefined ? { password: request.password } : {}),
    ...(request.dual ? { dual: request.dual } : {}),
    keepActiveContent: request.keepActiveContent === true,
    report: request.report,
    onPage: (done, total) => reply({ type: 'progress', done, total }),
    signal: stop.signal,
  });
  const transfer = [result.pdf.buffer as ArrayBuffer];
  if (result.dual && result.dual.buffer !== result.pdf.buffer)
    transfer.push(result.dual.buffer as ArrayBuffer);
  reply(
    {
      type: 'result',
      pdf: result.pdf,
      dual: result.dual,
      warnings: result.warnings,
      report: result.report ?? null,
    },
    transfer,
  );
}

let started = false;
port.on('message', (message: RenderRequest | StopRequest) => {
  if (message.type === 'stop') {
    stop.abort(new DocatError('JOB_CANCELLED', 'The render was stopped'));
    // Stopped before it began: nothing to wind down.
    if (!started) port.unref();
    return;
  }
  if (started) return;
  started = true;
  render(message)
    .catch((err: unknown) => {
      if (err instanceof DocatError) reply({ type: 'error', code: err.code, message: err.message });
      else reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    })
    // With the port let go, nothing keeps the thread's event loop alive: the thread exits
    // once its reply is sent and its pending work is done.
    .finally(() => port.unref());
});
