import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { DocatError } from '@docat/contracts';
import { FontLibrary, fidelityReportOf, renderDualPdf, renderTranslatedPdf } from '@docat/pdf';
import type { RenderReply, RenderRequest } from './render-thread.protocol.js';

/**
 * The render thread: renders the translated PDF (and the bilingual one) for one job and
 * ends. Started by `renderInThread`; each thread serves exactly one request.
 */
const port = parentPort;
if (!port) throw new Error('render.worker.js runs only as a worker thread');

// On Linux the nice value belongs to each thread, and pid 0 means this one: the render
// yields the CPU to the service's own thread (queue lease, probes, metrics) on a busy
// machine. Elsewhere it would lower the whole process, so it is left alone.
if (process.platform === 'linux') {
  try {
    setPriority(0, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not allowed here (some sandboxes forbid it): render at the normal priority.
  }
}

function reply(message: RenderReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function render(request: RenderRequest): Promise<void> {
  const password = request.password !== undefined ? { password: request.password } : {};
  // A job over a page range has a layout of only those pages: the outputs hold only them too.
  const numbers = request.layout.pages.map((p) => p.number);
  const subset = numbers.length < request.layout.pageCount ? numbers : undefined;
  // The thread lives for one render, so its fonts do too.
  const fonts = new FontLibrary();
  const translated = await renderTranslatedPdf(request.source, request.layout, request.translations, {
    targetLanguage: request.targetLanguage,
    ...(subset ? { pages: subset } : {}),
    fonts,
    ...password,
    keepActiveContent: request.keepActiveContent === true,
    onPage: (done, total) => reply({ type: 'progress', done, total }),
  });
  const dual = request.dual
    ? await renderDualPdf(request.source, translated.bytes, {
        mode: request.dual,
        plan: { layout: request.layout, translations: request.translations, targetLanguage: request.targetLanguage, fonts },
        ...password,
        keepActiveContent: request.keepActiveContent === true,
        ...(subset ? { sourcePages: subset } : {}),
      })
    : null;
  const report = await fidelityReportOf(translated, { layout: request.layout, translations: request.translations, targetLanguage: request.targetLanguage, ...(subset ? { pages: subset } : {}) });
  const transfer = [translated.bytes.buffer as ArrayBuffer];
  if (dual && dual.buffer !== translated.bytes.buffer) transfer.push(dual.buffer as ArrayBuffer);
  reply({ type: 'result', pdf: translated.bytes, dual, warnings: translated.warnings, report }, transfer);
}

port.once('message', (request: RenderRequest) => {
  render(request).catch((err: unknown) => {
    if (err instanceof DocatError) reply({ type: 'error', code: err.code, message: err.message });
    else reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
});
