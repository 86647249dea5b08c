import type { JobEvent, JobView, OutputFormat } from '@docat/contracts';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { followJob, type StreamStatus } from '../api/job-events.js';
import { api } from '../api/endpoints.js';
import { adviceFor } from '../api/problems.js';
import {
  ErrorMessage,
  PageHeading,
  formatDate,
  formatSeconds,
  saveBlob,
  useAction,
  useLoad,
} from '../components/ui.js';
import { OUTPUT_LABELS, STAGE_LABELS, STATE_LABELS, WORK_STAGE_ORDER } from '../jobs/job-labels.js';

// pdf.js and its worker load only here, when a finished job is viewed.
const SideBySideViewer = lazy(() => import('../viewer/side-by-side-viewer.js'));

/** Folds a live event into the job view the page shows. */
function apply(job: JobView, event: JobEvent): JobView {
  const next: JobView = { ...job, state: event.state, stage: event.stage };
  if (event.progress) next.progress = event.progress;
  if (event.warning) next.warnings = [...job.warnings, event.warning];
  if (event.error) next.error = event.error;
  return next;
}

function Progress({ job, stream }: { job: JobView; stream: StreamStatus }) {
  const percent = Math.round(job.progress.percent);
  return (
    <section aria-labelledby="progress-heading" className="card">
      <h2 id="progress-heading">Progress</h2>
      <p>
        <strong>{STAGE_LABELS[job.stage]}</strong>
        {job.progress.etaSeconds !== undefined
          ? ` · about ${formatSeconds(job.progress.etaSeconds)} left`
          : ''}
      </p>
      <progress
        max={100}
        value={percent}
        aria-label="Whole job"
        aria-valuetext={`${percent} percent`}
      />
      <ol className="stages">
        {WORK_STAGE_ORDER.map((stage) => {
          const p = job.progress.stages[stage];
          return (
            <li key={stage} className={job.stage === stage ? 'current' : ''}>
              <span>{STAGE_LABELS[stage]}</span>{' '}
              <span className="muted">
                {p
                  ? `${p.done} of ${p.total} ${p.unit}${p.etaSeconds !== undefined && p.done < p.total ? `, ${formatSeconds(p.etaSeconds)} left` : ''}`
                  : 'not started'}
              </span>
            </li>
          );
        })}
      </ol>
      <p className="muted" role="status" aria-live="polite">
        {stream === 'reconnecting'
          ? 'Connection lost; reconnecting and resuming where it stopped…'
          : stream === 'live'
            ? `${percent}% done`
            : ''}
      </p>
    </section>
  );
}

function Downloads({ job }: { job: JobView }) {
  const action = useAction(async (format: OutputFormat) => {
    const { blob, fileName } = await api.result(job.id, format);
    saveBlob(blob, fileName ?? `${job.file.name}.${format}`);
  });
  return (
    <section aria-labelledby="downloads-heading" className="card">
      <h2 id="downloads-heading">Downloads</h2>
      <ul className="downloads">
        {job.outputs.map((format) => (
          <li key={format}>
            <button
              type="button"
              className="secondary"
              disabled={action.pending}
              onClick={() => void action.run(format)}
            >
              Download {OUTPUT_LABELS[format]}
            </button>
          </li>
        ))}
      </ul>
      <ErrorMessage error={action.error} />
    </section>
  );
}

const percentOf = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** The fidelity report's numbers (the job view's summary), and the full report to download. */
function Fidelity({ job }: { job: JobView }) {
  const download = useAction(async () => {
    const { blob, fileName } = await api.report(job.id);
    saveBlob(blob, fileName ?? `${job.file.name}.report.json`);
  });
  const f = job.fidelity;
  if (!f) return null;
  const issues: string[] = [];
  if (f.untranslated > 0)
    issues.push(`${f.untranslated} segment${f.untranslated === 1 ? '' : 's'} left untranslated`);
  if (f.shrunk > 0)
    issues.push(`${f.shrunk} block${f.shrunk === 1 ? '' : 's'} set below 80% of the source size`);
  if (f.overflowing > 0)
    issues.push(`${f.overflowing} block${f.overflowing === 1 ? '' : 's'} overflowing their box`);
  if (f.overlaps > 0)
    issues.push(`${f.overlaps} overlap${f.overlaps === 1 ? '' : 's'} with kept text or figures`);
  if (f.missingGlyphs + f.notdef > 0)
    issues.push(
      `${f.missingGlyphs + f.notdef} missing glyph${f.missingGlyphs + f.notdef === 1 ? '' : 's'}`,
    );
  return (
    <section aria-labelledby="fidelity-heading" className="card">
      <h2 id="fidelity-heading">Fidelity</h2>
      <p>
        <strong>{percentOf(f.coverage)}</strong> of {f.words.toLocaleString()} prose words
        translated
        {f.worstPage && f.worstPage.coverage < 1
          ? ` · lowest on page ${f.worstPage.page} (${percentOf(f.worstPage.coverage)})`
          : ''}
        {f.excluded > 0
          ? ` · ${f.excluded} code, formula, figure or form block${f.excluded === 1 ? '' : 's'} kept as in the source`
          : ''}
      </p>
      {issues.length > 0 ? (
        <ul>
          {issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">Nothing left untranslated, shrunk, overflowing or overlapping.</p>
      )}
      <button
        type="button"
        className="secondary"
        disabled={download.pending}
        onClick={() => void download.run()}
      >
        Download the fidelity report (JSON)
      </button>
      <ErrorMessage error={download.error} />
    </section>
  );
}

function Warnings({ job }: { job: JobView }) {
  if (job.warnings.length === 0) return null;
  return (
    <section aria-labelledby="warnings-heading" className="card">
      <h2 id="warnings-heading">Warnings ({job.warnings.length})</h2>
      <ul>
        {job.warnings.slice(0, 50).map((w, i) => (
          <li key={i}>
            {w.page !== undefined ? `Page ${w.page}: ` : ''}
            {w.message}
          </li>
        ))}
      </ul>
      {job.warnings.length > 50 ? (
        <p className="muted">
          and {job.warnings.length - 50} more (the layout JSON lists them all).
        </p>
      ) : null}
    </section>
  );
}

export function JobPage() {
  const { id = '' } = useParams();
  const loaded = useLoad(() => api.job(id), [id]);
  const [job, setJob] = useState<JobView | null>(null);
  const [stream, setStream] = useState<StreamStatus>('connecting');
  const cancel = useAction(async () => {
    setJob(await api.cancelJob(id));
  });

  useEffect(() => setJob(loaded.data), [loaded.data]);
  const live = job !== null && (job.state === 'queued' || job.state === 'processing');
  useEffect(() => {
    if (!live) return;
    const stop = followJob(
      id,
      (event) => setJob((current) => (current ? apply(current, event) : current)),
      setStream,
    );
    return stop;
  }, [id, live]);
  // The terminal event has no outputs or billed characters: read the job once more.
  useEffect(() => {
    if (stream === 'ended') loaded.reload();
  }, [stream]);

  if (loaded.error) {
    return (
      <section>
        <PageHeading title="Job">Job</PageHeading>
        <ErrorMessage error={loaded.error} />
        <p>
          <Link to="/jobs">Back to your history</Link>
        </p>
      </section>
    );
  }
  if (!job) return <p role="status">Loading…</p>;
  return (
    <section className="job">
      <PageHeading title={job.file.name}>{job.file.name}</PageHeading>
      <p className="job-meta">
        <span className={`badge state-${job.state}`}>{STATE_LABELS[job.state]}</span>{' '}
        {job.sourceLanguage ?? job.detectedLanguage ?? 'auto'} → {job.targetLanguage} · {job.engine}
        {job.pages !== undefined ? ` · ${job.pages} pages` : ''}
        {job.pageRange ? ` (pages ${job.pageRange})` : ''} · {job.billedCharacters.toLocaleString()}{' '}
        billed characters · started {formatDate(job.createdAt)}
        {job.completedAt ? ` · finished ${formatDate(job.completedAt)}` : ''}
        {job.cached ? ' · from the result cache' : ''}
      </p>
      {live ? (
        <>
          <Progress job={job} stream={stream} />
          <button
            type="button"
            className="danger"
            disabled={cancel.pending}
            onClick={() => void cancel.run()}
          >
            Cancel the job
          </button>
          <ErrorMessage error={cancel.error} />
        </>
      ) : null}
      {job.state === 'failed' ? (
        <div className="notice error" role="alert">
          <p>
            <strong>The job failed{job.error ? ` (${job.error.code})` : ''}.</strong>{' '}
            {job.error ? adviceFor(job.error.code) : ''}
          </p>
          {job.error?.message ? <p className="muted">{job.error.message}</p> : null}
          <p>
            <Link to="/">Upload again</Link>
          </p>
        </div>
      ) : null}
      {job.state === 'cancelled' ? (
        <div className="notice warning">This job was cancelled; it has no files.</div>
      ) : null}
      {job.state === 'completed' ? (
        <>
          <Downloads job={job} />
          {job.outputs.includes('pdf') || job.outputs.includes('dual') ? (
            <Suspense fallback={<p role="status">Loading the viewer…</p>}>
              <SideBySideViewer job={job} />
            </Suspense>
          ) : null}
          <Fidelity job={job} />
        </>
      ) : null}
      <Warnings job={job} />
    </section>
  );
}
