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
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { describeError } from '../api/problems.js';
import { Notice } from '../components/ui.js';

GlobalWorkerOptions.workerSrc = workerUrl;

/** Zoom steps, as multiples of "fit the width". */
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const;
const THUMB_WIDTH = 88;
const THUMB_WIDTH_NARROW = 56;
/** Below this width two pages side by side are too small to read: one pane at a time. */
const NARROW_QUERY = '(max-width: 640px)';

type Mode = 'side' | 'dual';
/** At narrow widths, which half of the side-by-side view is shown. */
type Pane = 'original' | 'translation';

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
  wait = false,
}: {
  doc: PDFDocumentProxy;
  pageNumber: number;
  width: number;
  root: RefObject<HTMLElement | null>;
  label: string;
  onRendered?: () => void;
  /** Hold the drawing back (the first page goes first: other pages would share its time). */
  wait?: boolean;
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
      { root: root.current, rootMargin: '800px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [root]);

  useEffect(() => {
    const element = canvas.current;
    if (!page || !visible || wait || !element || width <= 0) return;
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
  }, [page, visible, wait, width]);

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

function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setMatches(list.matches);
    list.addEventListener('change', update);
    update();
    return () => list.removeEventListener('change', update);
  }, [query]);
  return matches;
}

/** The first page row at or below the top of the scroll container. */
function topRow(scroller: HTMLElement | null): number | null {
  if (!scroller) return null;
  const top = scroller.getBoundingClientRect().top;
  for (const row of scroller.querySelectorAll<HTMLElement>('[data-row]'))
    if (row.getBoundingClientRect().bottom > top + 1) return Number(row.dataset.row);
  return null;
}

/** The row the reader is on: the first whose foot is below the top third of the scroller. */
function rowInView(scroller: HTMLElement): number | null {
  const box = scroller.getBoundingClientRect();
  const line = box.top + Math.min(box.height / 3, 200);
  for (const row of scroller.querySelectorAll<HTMLElement>('[data-row]'))
    if (row.getBoundingClientRect().bottom > line) return Number(row.dataset.row);
  return null;
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
 * page; a toggle shows the bilingual PDF instead. At narrow widths one pane is shown at a
 * time (original, translation or bilingual), keeping the page in view and the zoom when
 * the reader switches, and the thumbnails fold away.
 */
export default function SideBySideViewer({ job }: { job: JobView }) {
  const hasPdf = job.outputs.includes('pdf');
  const hasDual = job.outputs.includes('dual');
  const [mode, setMode] = useState<Mode>(hasPdf ? 'side' : 'dual');
  const [pane, setPane] = useState<Pane>('translation');
  const [zoom, setZoom] = useState<(typeof ZOOMS)[number]>(1);
  const narrow = useMediaQuery(NARROW_QUERY);
  const [thumbsOpen, setThumbsOpen] = useState(!narrow);
  const scroller = useRef<HTMLDivElement>(null);
  const thumbs = useRef<HTMLElement>(null);
  const width = useWidth(scroller);

  useEffect(() => setThumbsOpen(!narrow), [narrow]);

  // Loaders are stable per job, so each document is fetched once.
  const [loaders] = useState(() => ({
    translated: () => api.result(job.id, 'pdf'),
    original: () => api.source(job.id),
    dual: () => api.result(job.id, 'dual'),
  }));
  const translated = useDocument(mode === 'side' || hasPdf ? loaders.translated : null);
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

  const gap = narrow ? 6 : 12;
  const showOriginal = mode === 'side' && original.doc !== null && (!narrow || pane === 'original');
  const showTranslation =
    mode === 'dual' || !narrow || pane === 'translation' || original.doc === null;
  const twoPanes = showOriginal && showTranslation;
  const fit = Math.max(120, twoPanes ? (width - gap * 3) / 2 : width - gap * 2);
  const pageWidth = Math.round(fit * zoom);

  // A switch of view keeps the page the reader was on at the top.
  const keepRow = useRef<number | null>(null);
  const switchView = (change: () => void) => {
    keepRow.current = topRow(scroller.current);
    change();
  };
  /** Scrolls the pages, not the window, so the toolbar and thumbnails stay where they are. */
  const scrollToRow = (row: number): HTMLElement | null => {
    const box = scroller.current;
    const target = box?.querySelector<HTMLElement>(`[data-row="${row}"]`);
    if (!box || !target) return null;
    box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - gap;
    return target;
  };
  useLayoutEffect(() => {
    const row = keepRow.current;
    keepRow.current = null;
    if (row !== null) scrollToRow(row);
  }, [mode, pane, zoom]);

  // The page in view is marked in the thumbnails, as the reader scrolls.
  const [inView, setInView] = useState(1);
  useEffect(() => {
    const box = scroller.current;
    if (!box) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      const row = rowInView(box);
      if (row !== null) setInView(row);
    };
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(update);
    };
    box.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      box.removeEventListener('scroll', onScroll);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, []);

  const jumpTo = (row: number) => {
    scrollToRow(row)?.focus({ preventScroll: true });
    scroller.current?.scrollIntoView({ block: 'nearest' });
  };

  // Thumbnails wait for the first page: it is what the reader looks at first.
  const [firstShown, setFirstShown] = useState(false);
  const zoomIndex = ZOOMS.indexOf(zoom);
  const originalUnavailable = mode === 'side' && original.error !== null;
  const view: 'side' | Pane | 'dual' = mode === 'dual' ? 'dual' : narrow ? pane : 'side';
  const pagesLabel =
    view === 'dual'
      ? 'Bilingual pages'
      : view === 'original'
        ? 'Original pages'
        : view === 'translation'
          ? 'Translated pages'
          : 'Original and translated pages';

  return (
    <section className={`card viewer${narrow ? ' narrow' : ''}`} aria-labelledby="viewer-heading">
      <h2 id="viewer-heading">Compare</h2>
      <div className="viewer-toolbar" role="toolbar" aria-label="Viewer controls">
        <div className="segmented" role="group" aria-label="View">
          {narrow ? (
            <>
              <button
                type="button"
                aria-pressed={view === 'original'}
                disabled={!hasPdf}
                onClick={() =>
                  switchView(() => {
                    setMode('side');
                    setPane('original');
                  })
                }
              >
                Original
              </button>
              <button
                type="button"
                aria-pressed={view === 'translation'}
                disabled={!hasPdf}
                onClick={() =>
                  switchView(() => {
                    setMode('side');
                    setPane('translation');
                  })
                }
              >
                Translation
              </button>
            </>
          ) : (
            <button
              type="button"
              aria-pressed={view === 'side'}
              disabled={!hasPdf}
              onClick={() => switchView(() => setMode('side'))}
            >
              Side by side
            </button>
          )}
          <button
            type="button"
            aria-pressed={view === 'dual'}
            disabled={!hasDual}
            onClick={() => switchView(() => setMode('dual'))}
          >
            Bilingual PDF
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Zoom">
          <button
            type="button"
            aria-label="Zoom out"
            disabled={zoomIndex <= 0}
            onClick={() => switchView(() => setZoom(ZOOMS[zoomIndex - 1] ?? zoom))}
          >
            −
          </button>
          <button
            type="button"
            aria-label="Fit the width"
            aria-pressed={zoom === 1}
            onClick={() => switchView(() => setZoom(1))}
          >
            Fit
          </button>
          <button
            type="button"
            aria-label="Zoom in"
            disabled={zoomIndex >= ZOOMS.length - 1}
            onClick={() => switchView(() => setZoom(ZOOMS[zoomIndex + 1] ?? zoom))}
          >
            +
          </button>
        </div>
        <button
          type="button"
          className="secondary thumbs-toggle"
          aria-expanded={thumbsOpen}
          aria-controls="viewer-thumbs"
          onClick={() => setThumbsOpen((open) => !open)}
        >
          {thumbsOpen ? 'Hide pages' : 'Pages'}
        </button>
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
        <nav
          className="thumbs"
          id="viewer-thumbs"
          ref={thumbs}
          aria-label="Pages"
          hidden={!thumbsOpen}
        >
          <ol>
            {main.doc && thumbsOpen
              ? Array.from({ length: rows }, (_, i) => i + 1).map((row) => (
                  <li key={`${mode}-${row}`}>
                    <button
                      type="button"
                      onClick={() => jumpTo(row)}
                      aria-label={`Go to page ${mode === 'side' ? originalPageOf(row) : row}`}
                      aria-current={row === inView ? 'page' : undefined}
                    >
                      {firstShown ? (
                        <PageCanvas
                          doc={main.doc!}
                          pageNumber={row}
                          width={narrow ? THUMB_WIDTH_NARROW : THUMB_WIDTH}
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
        <div className="pages" ref={scroller} tabIndex={0} aria-label={pagesLabel}>
          {!main.doc && !main.error ? <p role="status">Loading the PDF…</p> : null}
          {twoPanes ? (
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
                      wait={row > 1 && !firstShown}
                      {...(row === 1 && !showTranslation
                        ? {
                            onRendered: () => {
                              performance.mark('docat:first-page-shown');
                              setFirstShown(true);
                            },
                          }
                        : {})}
                    />
                  ) : null}
                  {showTranslation ? (
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
                      wait={row > 1 && !firstShown}
                      {...(row === 1
                        ? {
                            onRendered: () => {
                              performance.mark('docat:first-page-shown');
                              setFirstShown(true);
                            },
                          }
                        : {})}
                    />
                  ) : null}
                </div>
              ))
            : null}
        </div>
      </div>
    </section>
  );
}
