import type { JobList, JobState, JobView } from '@docat/contracts';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/endpoints.js';
import { ErrorMessage, PageHeading, formatDate, useAction } from '../components/ui.js';
import { STATE_LABELS } from '../jobs/job-labels.js';

const STATES = Object.keys(STATE_LABELS) as JobState[];

/** The upload page, prefilled with a job's options, to run the same document again differently. */
function rerunLink(job: JobView): string {
  const params = new URLSearchParams({
    targetLanguage: job.targetLanguage,
    engine: job.engine,
    outputs: job.outputs.join(','),
    dualMode: job.dualMode,
  });
  if (job.sourceLanguage) params.set('sourceLanguage', job.sourceLanguage);
  if (job.pageRange) params.set('pages', job.pageRange);
  return `/?${params.toString()}`;
}

export function HistoryPage() {
  const [params, setParams] = useSearchParams();
  const state = (STATES as string[]).includes(params.get('state') ?? '')
    ? (params.get('state') as JobState)
    : undefined;
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [pages, setPages] = useState<JobList[]>([]);
  const [error, setError] = useState<unknown>(null);
  const more = useAction(async (cursor: string) => {
    const page = await api.jobs({
      cursor,
      limit: 20,
      ...(state ? { state } : {}),
      ...(q ? { q } : {}),
    });
    setPages((current) => [...current, page]);
  });
  const cancel = useAction(async (id: string) => {
    const updated = await api.cancelJob(id);
    setPages((current) =>
      current.map((p) => ({ ...p, items: p.items.map((j) => (j.id === id ? updated : j)) })),
    );
  });

  const erase = useAction(async (id: string, name: string) => {
    if (!window.confirm(`Delete ${name} with its results for good?`)) return;
    await api.eraseJob(id);
    setPages((current) =>
      current.map((p) => ({ ...p, items: p.items.filter((j) => j.id !== id) })),
    );
  });

  useEffect(() => {
    let live = true;
    setPages([]);
    setError(null);
    api.jobs({ limit: 20, ...(state ? { state } : {}), ...(q ? { q } : {}) }).then(
      (page) => live && setPages([page]),
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [state, q]);

  const jobs = pages.flatMap((p) => p.items);
  const next = pages[pages.length - 1]?.nextCursor ?? null;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const nextParams = new URLSearchParams(params);
    if (search.trim()) nextParams.set('q', search.trim());
    else nextParams.delete('q');
    setParams(nextParams);
  };

  return (
    <section>
      <PageHeading title="History">History</PageHeading>
      <form className="filters" role="search" aria-label="Filter jobs" onSubmit={apply}>
        <div>
          <label htmlFor="state">State</label>
          <select
            id="state"
            value={state ?? ''}
            onChange={(e) => {
              const nextParams = new URLSearchParams(params);
              if (e.target.value) nextParams.set('state', e.target.value);
              else nextParams.delete('state');
              setParams(nextParams);
            }}
          >
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="q">File name</label>
          <input id="q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      <ErrorMessage error={error ?? more.error ?? cancel.error ?? erase.error} />
      {pages.length > 0 && jobs.length === 0 ? (
        <p>
          No jobs{state || q ? ' match' : ' yet'}. <Link to="/">Translate a PDF</Link>
        </p>
      ) : null}
      {jobs.length > 0 ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Jobs">
          <table className="jobs">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">State</th>
                <th scope="col">Languages</th>
                <th scope="col">Engine</th>
                <th scope="col">Pages</th>
                <th scope="col">Billed characters</th>
                <th scope="col">Created</th>
                <th scope="col">Finished</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr key={job.id}>
                  <td>
                    <Link to={`/jobs/${job.id}`}>{job.file.name}</Link>
                  </td>
                  <td>
                    <span className={`badge state-${job.state}`}>{STATE_LABELS[job.state]}</span>
                  </td>
                  <td>
                    {job.sourceLanguage ?? job.detectedLanguage ?? 'auto'} → {job.targetLanguage}
                  </td>
                  <td>{job.engine}</td>
                  <td>{job.pages ?? '—'}</td>
                  <td>{job.billedCharacters.toLocaleString()}</td>
                  <td>{formatDate(job.createdAt)}</td>
                  <td>{formatDate(job.completedAt)}</td>
                  <td className="row-actions">
                    <Link
                      to={rerunLink(job)}
                      aria-label={`Run again with other options: ${job.file.name}`}
                    >
                      Run again
                    </Link>
                    {job.state === 'queued' || job.state === 'processing' ? (
                      <button
                        type="button"
                        className="link"
                        aria-label={`Cancel ${job.file.name}`}
                        onClick={() => void cancel.run(job.id)}
                      >
                        Cancel
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="link"
                        aria-label={`Delete ${job.file.name}`}
                        onClick={() => void erase.run(job.id, job.file.name)}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {next ? (
        <button
          type="button"
          className="secondary"
          disabled={more.pending}
          onClick={() => void more.run(next)}
        >
          {more.pending ? 'Loading…' : 'Show older jobs'}
        </button>
      ) : null}
    </section>
  );
}
