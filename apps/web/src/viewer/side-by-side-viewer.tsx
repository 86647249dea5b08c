import type { JobView } from '@docat/contracts';
import { parsePageRange, type PageInterval } from '@docat/contracts/page-range';
import {
  getDocument,
  GlobalWorkerOptions,
  type PDFDocumentProxy,
  type PDFPageProxy,
  type RenderTask,
} from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { describeError } from '../api/problems.js';
import { Notice } from '../components/ui.js';

GlobalWorkerOptions.workerSrc = workerUrl;

/** Zoom steps, as multiples of "fit the width". */
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const;
const THUMB_WIDTH = 88;

type Mode = 'side' | 'dual';

interface Loaded {
  doc: PDFDocumentProxy | null;
  error: unknown;
}

/** Reads a downloaded PDF with pdf.js; its data files come from this site, never a CDN. */
async function openPdf(
  load: () => Promise<{ blob: Blob }>,
): Promise<{ doc: PDFDocumentProxy; close: () => Promise<void> }> {
  const { blob } = await load();
  const task = getDocument({
    data: new Uint8Array(await blob.arrayBuffer()),
    cMapUrl: '/pdfjs/cmaps/',
    cMapPacked: true,
    standardFontDataUrl: '/pdfjs/standard_fonts/',
    wasmUrl: '/pdfjs/wasm/',
    iccUrl: '/pdfjs/iccs/',
  });
  return { doc: await task.promise, close: () => task.destroy() };
}

function useDocument(load: (() => Promise<{ blob: Blob }>) | null): Loaded {
  const [state, setState] = useState<Loaded>({ doc: null, error: null });
  useEffect(() => {
    if (!load) return;
    let live = true;
    let close: (() => Promise<void>) | null = null;
    openPdf(load).then(
      (opened) => {
        close = opened.close;
        if (live) setState({ doc: opened.doc, error: null });
        else void opened.close();
      },
      (error: unknown) => live && setState({ doc: null, error }),
    );
    return () => {
      live = false;
      void close?.();
    };
  }, [load]);
  return state;
}

/** A page drawn on a canvas once it nears the visible area of `root`. */
function PageCanvas({
  doc,
  pageNumber,
  width,
  root,
  label,
  onRendered,
}: {
  doc: PDFDocumentProxy;
  pageNumber: number;
  width: number;
  root: RefObject<HTMLElement | null>;
  label: string;
  onRendered?: () => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [page, setPage] = useState<PDFPageProxy | null>(null);
  const [visible, setVisible] = useState(false);
  const [rendered, setRendered] = useState(false);

  useEffect(() => {
    let live = true;
    if (pageNumber < 1 || pageNumber > doc.numPages) return;
    void doc.getPage(pageNumber).then((p) => live && setPage(p));
    return () => {
      live = false;
    };
  }, [doc, pageNumber]);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const observer = new IntersectionObserver(
      (entries) => setVisible(entries.some((e) => e.isIntersecting)),
      { root: root.current, rootMargin: '800px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [root]);

  useEffect(() => {
    const element = canvas.current;
    if (!page || !visible || !element || width <= 0) return;
    const base = page.getViewport({ scale: 1 });
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: (width / base.width) * ratio });
    element.width = Math.floor(viewport.width);
    element.height = Math.floor(viewport.height);
    let task: RenderTask | null = page.render({ canvas: element, viewport });
    task.promise.then(
      () => {
        task = null;
        setRendered(true);
        onRendered?.();
      },
      () => undefined,
    );
    return () => task?.cancel();
    // onRendered is a notification, not an input of the drawing.
  }, [page, visible, width]);

  const base = page?.getViewport({ scale: 1 });
  const height = base ? Math.round((width * base.height) / base.width) : Math.round(width * 1.294);
  const a11y = label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true };
  return (
    <canvas
      ref={canvas}
      {...a11y}
      data-rendered={rendered ? 'true' : 'false'}
      style={{ width: `${width}px`, height: `${height}px` }}
    />
  );
}

function useWidth(element: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = element.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    setWidth(el.clientWidth);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

/**
 * The finished job's original and translation side by side, one row per page in one
 * scroll container, so scrolling and zoom move both together; thumbnails jump to a
 * page; a toggle shows the bilingual PDF instead.
 */
export default function SideBySideViewer({ job }: { job: JobView }) {
  const [mode, setMode] = useState<Mode>(job.outputs.includes('pdf') ? 'side' : 'dual');
  const [zoom, setZoom] = useState<(typeof ZOOMS)[number]>(1);
  const scroller = useRef<HTMLDivElement>(null);
  const thumbs = useRef<HTMLElement>(null);
  const width = useWidth(scroller);

  // Loaders are stable per job, so each document is fetched once.
  const [loaders] = useState(() => ({
    translated: () => api.result(job.id, 'pdf'),
    original: () => api.source(job.id),
    dual: () => api.result(job.id, 'dual'),
  }));
  const translated = useDocument(
    mode === 'side' || job.outputs.includes('pdf') ? loaders.translated : null,
  );
  const original = useDocument(mode === 'side' ? loaders.original : null);
  const dual = useDocument(mode === 'dual' ? loaders.dual : null);

  const main = mode === 'side' ? translated : dual;
  const rows = main.doc?.numPages ?? 0;
  const ranges = job.pageRange ? parsePageRange(job.pageRange) : null;
  const originalPages = ranges
    ? ranges.flatMap((r: PageInterval) =>
        Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i),
      )
    : null;
  const originalPageOf = (row: number) => originalPages?.[row - 1] ?? row;

  const gap = 12;
  const showOriginal = mode === 'side' && original.doc !== null;
  const fit = Math.max(120, showOriginal ? (width - gap * 3) / 2 : width - gap * 2);
  const pageWidth = Math.round(fit * zoom);

  const jumpTo = (row: number) => {
    const target = scroller.current?.querySelector<HTMLElement>(`[data-row="${row}"]`);
    target?.scrollIntoView({ block: 'start' });
    target?.focus({ preventScroll: true });
  };

  // Thumbnails wait for the first page: it is what the reader looks at first.
  const [firstShown, setFirstShown] = useState(false);
  const zoomIndex = ZOOMS.indexOf(zoom);
  const originalUnavailable = mode === 'side' && original.error !== null;

  return (
    <section className="card viewer" aria-labelledby="viewer-heading">
      <h2 id="viewer-heading">Compare</h2>
      <div className="viewer-toolbar" role="toolbar" aria-label="Viewer controls">
        <div className="segmented" role="group" aria-label="View">
          <button
            type="button"
            aria-pressed={mode === 'side'}
            disabled={!job.outputs.includes('pdf')}
            onClick={() => setMode('side')}
          >
            Side by side
          </button>
          <button
            type="button"
            aria-pressed={mode === 'dual'}
            disabled={!job.outputs.includes('dual')}
            onClick={() => setMode('dual')}
          >
            Bilingual PDF
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Zoom">
          <button
            type="button"
            aria-label="Zoom out"
            disabled={zoomIndex <= 0}
            onClick={() => setZoom(ZOOMS[zoomIndex - 1] ?? zoom)}
          >
            −
          </button>
          <button
            type="button"
            aria-label="Fit the width"
            aria-pressed={zoom === 1}
            onClick={() => setZoom(1)}
          >
            Fit
          </button>
          <button
            type="button"
            aria-label="Zoom in"
            disabled={zoomIndex >= ZOOMS.length - 1}
            onClick={() => setZoom(ZOOMS[zoomIndex + 1] ?? zoom)}
          >
            +
          </button>
        </div>
        <span className="muted" aria-live="polite">
          {Math.round(zoom * 100)}% of the width
        </span>
      </div>
      {originalUnavailable ? (
        <Notice kind="warning">
          The original is not shown:{' '}
          {original.error instanceof ApiError && original.error.code === 'RESULT_EXPIRED'
            ? 'uploads are deleted after a day.'
            : describeError(original.error)}
        </Notice>
      ) : null}
      {main.error ? (
        <div className="notice error" role="alert">
          {describeError(main.error)}
        </div>
      ) : null}
      <div className="viewer-body">
        <nav className="thumbs" ref={thumbs} aria-label="Pages">
          <ol>
            {main.doc
              ? Array.from({ length: rows }, (_, i) => i + 1).map((row) => (
                  <li key={`${mode}-${row}`}>
                    <button
                      type="button"
                      onClick={() => jumpTo(row)}
                      aria-label={`Go to page ${mode === 'side' ? originalPageOf(row) : row}`}
                    >
                      {firstShown ? (
                        <PageCanvas
                          doc={main.doc!}
                          pageNumber={row}
                          width={THUMB_WIDTH}
                          root={thumbs}
                          label=""
                        />
                      ) : (
                        <span className="thumb-placeholder" aria-hidden="true" />
                      )}
                      <span aria-hidden="true">{mode === 'side' ? originalPageOf(row) : row}</span>
                    </button>
                  </li>
                ))
              : null}
          </ol>
        </nav>
        <div
          className="pages"
          ref={scroller}
          tabIndex={0}
          aria-label={mode === 'side' ? 'Original and translated pages' : 'Bilingual pages'}
        >
          {!main.doc && !main.error ? <p role="status">Loading the PDF…</p> : null}
          {showOriginal ? (
            <div className="page-row headings" aria-hidden="true" style={{ gap }}>
              <span style={{ width: pageWidth }}>Original</span>
              <span style={{ width: pageWidth }}>Translation ({job.targetLanguage})</span>
            </div>
          ) : null}
          {main.doc
            ? Array.from({ length: rows }, (_, i) => i + 1).map((row) => (
                <div
                  className="page-row"
                  key={`${mode}-${row}`}
                  data-row={row}
                  tabIndex={-1}
                  style={{ gap }}
                >
                  {showOriginal ? (
                    <PageCanvas
                      doc={original.doc!}
                      pageNumber={originalPageOf(row)}
                      width={pageWidth}
                      root={scroller}
                      label={`Original, page ${originalPageOf(row)}`}
                    />
                  ) : null}
                  <PageCanvas
                    doc={main.doc!}
                    pageNumber={row}
                    width={pageWidth}
                    root={scroller}
                    label={
                      mode === 'side'
                        ? `Translation, page ${originalPageOf(row)}`
                        : `Bilingual page ${row}`
                    }
                    {...(row === 1
                      ? {
                          onRendered: () => {
                            performance.mark('docat:first-page-shown');
                            setFirstShown(true);
                          },
                        }
                      : {})}
                  />
                </div>
              ))
            : null}
        </div>
      </div>
    </section>
  );
}
