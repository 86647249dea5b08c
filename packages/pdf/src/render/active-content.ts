import {
  PDFArray,
  PDFDict,
  PDFName,
  PDFRef,
  PDFStream,
  type PDFDocument,
  type PDFObject,
} from 'pdf-lib';
import { dropUnreachable } from './page-subset.js';

/**
 * Action types that run code, start programs, send form data away, open embedded files
 * or play media. Navigation (GoTo, GoToR, URI, Named, Thread) and form actions that stay
 * inside the reader (ResetForm, Hide) are kept: links keep working.
 */
const ACTIVE_ACTIONS = new Set([
  'JavaScript',
  'Launch',
  'GoToE',
  'ImportData',
  'SubmitForm',
  'Rendition',
  'RichMediaExecute',
  'Sound',
  'Movie',
]);

/** Annotations that carry embedded files or media players rather than marks on the page. */
const ACTIVE_ANNOTATIONS = new Set([
  'FileAttachment',
  'RichMedia',
  'Screen',
  'Movie',
  'Sound',
  '3D',
]);

/** What `removeActiveContent` took out, by kind. */
export interface ActiveContentRemoved {
  /** Catalog OpenAction and additional actions (/AA) of the document, pages, annotations and fields. */
  triggers: number;
  /** Actions of links, bookmarks and widgets that run code or launch something (the annotation stays). */
  actions: number;
  /** Document-level JavaScript name trees and XFA forms (with their scripts). */
  scripts: number;
  /** Embedded files (name tree, associated files, file specifications' streams) and file/media annotations. */
  files: number;
}

function nameOf(obj: PDFObject | undefined): string | undefined {
  return obj instanceof PDFName ? obj.decodeText() : undefined;
}

/**
 * Removes what a PDF reader would run or open on its own: document and page JavaScript,
 * the OpenAction, additional actions (/AA) everywhere, launch and other code-running
 * actions, embedded files and file or media annotations. Links (URI, GoTo and named
 * destinations), bookmarks and AcroForm fields stay, without their scripts. Objects left
 * unreachable are deleted, so the removed scripts and files are not in the saved bytes.
 */
export function removeActiveContent(doc: PDFDocument): ActiveContentRemoved {
  const removed: ActiveContentRemoved = { triggers: 0, actions: 0, scripts: 0, files: 0 };
  const context = doc.context;
  const catalog = doc.catalog;

  for (const key of ['OpenAction', 'AA'])
    if (catalog.has(PDFName.of(key)) && catalog.delete(PDFName.of(key))) removed.triggers++;
  const names = catalog.lookup(PDFName.of('Names'));
  if (names instanceof PDFDict) {
    if (names.delete(PDFName.of('JavaScript'))) removed.scripts++;
    if (names.delete(PDFName.of('EmbeddedFiles'))) removed.files++;
  }
  const form = catalog.lookup(PDFName.of('AcroForm'));
  if (form instanceof PDFDict && form.delete(PDFName.of('XFA'))) removed.scripts++;

  for (const page of doc.getPages()) {
    const annots = page.node.lookup(PDFName.of('Annots'));
    if (!(annots instanceof PDFArray)) continue;
    const kept = annots.asArray().filter((entry) => {
      const annot = entry instanceof PDFRef ? context.lookup(entry) : entry;
      const active =
        annot instanceof PDFDict &&
        ACTIVE_ANNOTATIONS.has(nameOf(annot.get(PDFName.of('Subtype'))) ?? '');
      if (active) removed.files++;
      return !active;
    });
    if (kept.length !== annots.size()) page.node.set(PDFName.of('Annots'), context.obj(kept));
  }

  /** True when the action, or any action chained after it by /Next, is active. */
  const isActive = (value: PDFObject | undefined, seen = new Set<PDFObject>()): boolean => {
    const action = value instanceof PDFRef ? context.lookup(value) : value;
    if (action === undefined || seen.has(action)) return false;
    seen.add(action);
    if (action instanceof PDFArray) return action.asArray().some((next) => isActive(next, seen));
    if (!(action instanceof PDFDict)) return false;
    if (
      ACTIVE_ACTIONS.has(nameOf(action.get(PDFName.of('S'))) ?? '') ||
      action.has(PDFName.of('JS'))
    )
      return true;
    return isActive(action.get(PDFName.of('Next')), seen);
  };

  // Every dictionary, direct or indirect: triggers and actions can sit inline anywhere.
  const visit = (obj: PDFObject): void => {
    if (obj instanceof PDFStream) return visit(obj.dict);
    if (obj instanceof PDFArray) return obj.asArray().forEach(visit);
    if (!(obj instanceof PDFDict)) return;
    if (obj.delete(PDFName.of('AA'))) removed.triggers++;
    if (obj.has(PDFName.of('A')) && isActive(obj.get(PDFName.of('A')))) {
      obj.delete(PDFName.of('A'));
      removed.actions++;
    }
    // Associated files (PDF 2.0) and the streams of file specifications.
    if (obj.delete(PDFName.of('AF'))) removed.files++;
    if (nameOf(obj.get(PDFName.of('Type'))) === 'Filespec' || obj.has(PDFName.of('EF'))) {
      if (obj.delete(PDFName.of('EF'))) removed.files++;
      obj.delete(PDFName.of('RF'));
    }
    for (const [, value] of obj.entries()) if (!(value instanceof PDFRef)) visit(value);
  };
  for (const [, obj] of context.enumerateIndirectObjects()) visit(obj);

  if (removed.triggers + removed.actions + removed.scripts + removed.files > 0)
    dropUnreachable(context);
  return removed;
}
