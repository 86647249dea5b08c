import type {
  DryRun,
  EngineInfo,
  GlossaryView,
  JobView,
  LanguageEntry,
  OutputFormat,
} from '@docat/contracts';
import { useEffect, useMemo, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type UploadFields } from '../api/endpoints.js';
import { describeError } from '../api/problems.js';
import { useUser } from '../auth/session.js';
import { ErrorMessage, Notice, PageHeading, formatBytes, useLoad } from '../components/ui.js';
import { OUTPUT_LABELS } from '../jobs/job-labels.js';

interface Picked {
  key: string;
  file: File;
  estimate?: DryRun;
  job?: JobView;
  error?: string;
}

const OUTPUTS = Object.keys(OUTPUT_LABELS) as OutputFormat[];

/** The scope options of an upload the form offers (figure labels follow the API's default). */
const SCOPE_LABELS = {
  translateHeadersFooters: 'Running headers and footers',
  translateReferences: 'References and bibliography',
  translateTables: 'Table text',
} as const;
type ScopeField = keyof typeof SCOPE_LABELS;
const SCOPE_FIELDS = Object.keys(SCOPE_LABELS) as ScopeField[];

function isPdfName(file: File): boolean {
  return file.type === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf');
}

/** A limit as stated: `50 MB`, not `50.0 MB`. */
function limitText(bytes: number): string {
  return formatBytes(bytes).replace(/\.0 /u, ' ');
}

function newKey(): string {
  return crypto.randomUUID();
}

/** Languages the engine offers in one direction; an engine that could not say offers them all. */
function offered(all: LanguageEntry[], codes: string[] | undefined): LanguageEntry[] {
  if (!codes || codes.length === 0) return all;
  const set = new Set(codes);
  return all.filter((l) => set.has(l.code));
}

function engineLabel(engine: EngineInfo): string {
  const health = engine.health.ok
    ? 'available'
    : `unavailable${engine.health.detail ? `: ${engine.health.detail}` : ''}`;
  const kind =
    engine.name === 'pseudo'
      ? 'pseudo-localization, not a real translation'
      : engine.paid
        ? 'paid'
        : 'free';
  return `${engine.name}${engine.model && engine.model !== engine.name ? ` (${engine.model})` : ''} · ${kind} · ${health}`;
}

export function UploadPage() {
  const user = useUser();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const engines = useLoad(() => api.engines(), []);
  const languages = useLoad(() => api.languages(), []);
  const glossaries = useLoad(() => api.glossaries(), []);
  const limits = useLoad(() => api.limits(), []);
  const maxBytes = limits.data?.maxUploadBytes;

  const [files, setFiles] = useState<Picked[]>([]);
  const [dragging, setDragging] = useState(false);
  const [engine, setEngine] = useState(params.get('engine') ?? '');
  const [target, setTarget] = useState(params.get('targetLanguage') ?? '');
  const [source, setSource] = useState(params.get('sourceLanguage') ?? '');
  const [outputs, setOutputs] = useState<OutputFormat[]>(() => {
    const wanted = params
      .get('outputs')
      ?.split(',')
      .filter((o): o is OutputFormat => (OUTPUTS as string[]).includes(o));
    return wanted && wanted.length > 0 ? wanted : ['pdf', 'dual'];
  });
  const [pages, setPages] = useState(params.get('pages') ?? '');
  const [glossaryId, setGlossaryId] = useState('');
  const [password, setPassword] = useState('');
  const [dualMode, setDualMode] = useState(params.get('dualMode') ?? 'side');
  // What is translated besides body text; the defaults are the API's.
  const [scope, setScope] = useState<Record<ScopeField, boolean>>(() => ({
    translateHeadersFooters: params.get('translateHeadersFooters') !== 'false',
    translateReferences: params.get('translateReferences') !== 'false',
    translateTables: params.get('translateTables') !== 'false',
  }));
  const [phase, setPhase] = useState<'pick' | 'estimating' | 'estimated' | 'uploading'>('pick');
  const [formError, setFormError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const engineList = engines.data?.items ?? [];
  const chosen =
    engineList.find((e) => e.name === engine) ?? engineList.find((e) => e.default) ?? engineList[0];
  const allLanguages = languages.data?.items ?? [];
  const targets = useMemo(
    () => offered(allLanguages, chosen?.languages.target),
    [allLanguages, chosen],
  );
  const sources = useMemo(
    () => offered(allLanguages, chosen?.languages.source),
    [allLanguages, chosen],
  );
  const pairGlossaries = (glossaries.data?.items ?? []).filter(
    (g: GlossaryView) => g.targetLanguage === target && (!source || g.sourceLanguage === source),
  );

  // Keep the choices valid for the chosen engine.
  useEffect(() => {
    if (targets.length > 0 && !targets.some((l) => l.code === target))
      setTarget(targets.some((l) => l.code === 'de') ? 'de' : targets[0]!.code);
  }, [targets, target]);
  useEffect(() => {
    if (source && !sources.some((l) => l.code === source)) setSource('');
  }, [sources, source]);

  const add = (list: FileList | null) => {
    if (!list) return;
    setFormError(null);
    const picked = [...list];
    const rejected = picked.filter((f) => !isPdfName(f));
    const tooLarge = picked.filter(
      (f) => isPdfName(f) && maxBytes !== undefined && f.size > maxBytes,
    );
    const problems = [
      ...(rejected.length > 0
        ? [`Only PDF files can be translated: ${rejected.map((f) => f.name).join(', ')} left out.`]
        : []),
      ...(tooLarge.length > 0 && maxBytes !== undefined
        ? [
            `Larger than this server's limit of ${limitText(maxBytes)}: ${tooLarge.map((f) => `${f.name} (${formatBytes(f.size)})`).join(', ')} left out.`,
          ]
        : []),
    ];
    if (problems.length > 0) setFormError(problems.join(' '));
    setFiles((current) => [
      ...current,
      ...picked
        .filter((f) => isPdfName(f) && !tooLarge.includes(f))
        .map((file) => ({ key: newKey(), file })),
    ]);
    setPhase('pick');
  };

  const fields = (): UploadFields => ({
    targetLanguage: target,
    ...(source ? { sourceLanguage: source } : {}),
    ...(chosen ? { engine: chosen.name } : {}),
    outputs: outputs.join(','),
    ...(pages.trim() ? { pages: pages.trim() } : {}),
    ...(glossaryId ? { glossaryId } : {}),
    ...(password ? { password } : {}),
    dualMode,
    // Only what differs from the defaults goes on the wire.
    ...Object.fromEntries(SCOPE_FIELDS.filter((f) => !scope[f]).map((f) => [f, 'false'])),
  });

  const update = (key: string, patch: Partial<Picked>) =>
    setFiles((current) => current.map((p) => (p.key === key ? { ...p, ...patch } : p)));

  const estimate = async () => {
    setPhase('estimating');
    const f = fields();
    await Promise.all(
      files.map(async (p) => {
        try {
          update(p.key, { estimate: await api.estimate(p.file, f), error: '' });
        } catch (err) {
          update(p.key, { error: describeError(err) });
        }
      }),
    );
    setPhase('estimated');
  };

  const start = async () => {
    setPhase('uploading');
    const f = fields();
    const created: JobView[] = [];
    for (const p of files) {
      if (p.job) continue;
      try {
        const job = await api.upload(p.file, f, p.key);
        created.push(job);
        update(p.key, { job, error: '' });
      } catch (err) {
        update(p.key, { error: describeError(err) });
      }
    }
    if (files.length === 1 && created.length === 1) await navigate(`/jobs/${created[0]!.id}`);
    else setPhase('estimated');
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add(e.dataTransfer.files);
  };

  const ready = files.length > 0 && target !== '' && outputs.length > 0;
  const totalCredits = files.reduce((sum, p) => sum + (p.estimate?.estimatedCredits ?? 0), 0);
  const anyRefused = files.some((p) => p.error);
  const allEstimated = files.length > 0 && files.every((p) => p.estimate || p.error);

  return (
    <section>
      <PageHeading title="Translate a PDF">Translate a PDF</PageHeading>
      {!user.emailVerified ? (
        <Notice kind="warning">
          Confirm your email address to receive free credits: use the link we mailed you, or{' '}
          <Link to="/account">send it again</Link>.
        </Notice>
      ) : null}
      {params.has('targetLanguage') ? (
        <Notice>
          The options of an earlier job are filled in. Choose its file again (uploads are kept only
          for a day), change what you like, and estimate.
        </Notice>
      ) : null}
      <form
        className="upload"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (phase === 'estimated' && allEstimated && !anyRefused) void start();
          else void estimate();
        }}
      >
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p>Drop PDF files here, or</p>
          <label htmlFor="files" className="button secondary">
            Choose files
          </label>
          <input
            id="files"
            ref={fileInput}
            className="visually-hidden"
            type="file"
            accept="application/pdf,.pdf"
            multiple
            onChange={(e) => {
              add(e.target.files);
              e.target.value = '';
            }}
          />
          <p className="hint">
            Each file becomes its own job.
            {limits.data
              ? ` Up to ${limitText(limits.data.maxUploadBytes)} and ${limits.data.maxPages.toLocaleString()} pages per file.`
              : ''}
          </p>
        </div>
        {formError ? (
          <div className="notice error" role="alert">
            {formError}
          </div>
        ) : null}
        {files.length > 0 ? (
          <ul className="file-list" aria-label="Chosen files">
            {files.map((p) => (
              <li key={p.key}>
                <span className="file-name">{p.file.name}</span>{' '}
                <span className="muted">{formatBytes(p.file.size)}</span>
                {p.estimate ? (
                  <span className="estimate">
                    {' '}
                    · {p.estimate.selectedPages} of {p.estimate.pages} page
                    {p.estimate.pages === 1 ? '' : 's'}
                    {p.estimate.scannedPages > 0 ? ` (${p.estimate.scannedPages} scanned)` : ''} ·
                    at most {p.estimate.estimatedCredits.toLocaleString()} credits
                    {p.estimate.available !== null
                      ? ` of ${p.estimate.available.toLocaleString()} available`
                      : ''}
                    {p.estimate.sufficient ? '' : ' · not enough credits'}
                  </span>
                ) : null}
                {p.job ? (
                  <>
                    {' '}
                    · <Link to={`/jobs/${p.job.id}`}>job started</Link>
                  </>
                ) : null}
                {p.error ? (
                  <span className="file-error" role="alert">
                    {' '}
                    {p.error}
                  </span>
                ) : null}{' '}
                {!p.job ? (
                  <button
                    type="button"
                    className="link"
                    aria-label={`Remove ${p.file.name}`}
                    onClick={() => {
                      setFiles((current) => current.filter((x) => x.key !== p.key));
                      setPhase('pick');
                    }}
                  >
                    Remove
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}

        <div className="grid">
          <div>
            <label htmlFor="engine">Engine</label>
            <select
              id="engine"
              value={chosen?.name ?? ''}
              onChange={(e) => {
                setEngine(e.target.value);
                setPhase('pick');
              }}
            >
              {engineList.map((e) => (
                <option key={e.name} value={e.name}>
                  {engineLabel(e)}
                </option>
              ))}
            </select>
            {chosen?.name === 'pseudo' ? (
              <p className="hint">
                The pseudo engine marks up the text instead of translating it: useful to try Docat
                without a translation service.
              </p>
            ) : null}
            <ErrorMessage error={engines.error} />
          </div>
          <div>
            <label htmlFor="target">Translate to</label>
            <select
              id="target"
              value={target}
              onChange={(e) => {
                setTarget(e.target.value);
                setPhase('pick');
              }}
            >
              {targets.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="source">From</label>
            <select
              id="source"
              value={source}
              onChange={(e) => {
                setSource(e.target.value);
                setPhase('pick');
              }}
            >
              <option value="">Detect the language</option>
              {sources.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
        </div>

        <fieldset>
          <legend>Files to produce</legend>
          <div className="checks">
            {OUTPUTS.map((format) => (
              <label key={format} className="check">
                <input
                  type="checkbox"
                  checked={outputs.includes(format)}
                  onChange={(e) => {
                    setOutputs((current) =>
                      e.target.checked ? [...current, format] : current.filter((o) => o !== format),
                    );
                    setPhase('pick');
                  }}
                />{' '}
                {OUTPUT_LABELS[format]}
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset>
          <legend>Translate</legend>
          <div className="checks">
            {SCOPE_FIELDS.map((field) => (
              <label key={field} className="check">
                <input
                  type="checkbox"
                  checked={scope[field]}
                  onChange={(e) => {
                    setScope((current) => ({ ...current, [field]: e.target.checked }));
                    setPhase('pick');
                  }}
                />{' '}
                {SCOPE_LABELS[field]}
              </label>
            ))}
          </div>
          <p className="hint">Program code and formulas are never translated.</p>
        </fieldset>

        <details>
          <summary>More options</summary>
          <div className="grid">
            <div>
              <label htmlFor="pages">Pages</label>
              <input
                id="pages"
                placeholder="all"
                aria-describedby="pages-hint"
                value={pages}
                onChange={(e) => setPages(e.target.value)}
              />
              <p id="pages-hint" className="hint">
                For example 1-5,8. Empty: every page.
              </p>
            </div>
            <div>
              <label htmlFor="glossary">Glossary</label>
              <select
                id="glossary"
                value={glossaryId}
                onChange={(e) => setGlossaryId(e.target.value)}
              >
                <option value="">None</option>
                {pairGlossaries.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name} ({g.entryCount} terms)
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="dual-mode">Bilingual layout</label>
              <select id="dual-mode" value={dualMode} onChange={(e) => setDualMode(e.target.value)}>
                <option value="side">Pages side by side</option>
                <option value="alternate">Alternating pages</option>
                <option value="interleaved">Paragraph by paragraph (reflowed)</option>
              </select>
            </div>
            <div>
              <label htmlFor="pdf-password">PDF password</label>
              <input
                id="pdf-password"
                type="password"
                autoComplete="off"
                aria-describedby="password-hint"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
              <p id="password-hint" className="hint">
                Only for a locked PDF. It is used to open the file and never stored in the job.
              </p>
            </div>
          </div>
        </details>

        {phase === 'estimated' && allEstimated && !anyRefused ? (
          <Notice>
            {files.length} file{files.length === 1 ? '' : 's'}, at most {totalCredits} credits in
            all. Confirm to start.
          </Notice>
        ) : null}
        <div className="actions">
          <button
            type="submit"
            disabled={!ready || phase === 'estimating' || phase === 'uploading'}
          >
            {phase === 'estimating'
              ? 'Estimating…'
              : phase === 'uploading'
                ? 'Uploading…'
                : phase === 'estimated' && allEstimated && !anyRefused
                  ? `Translate ${files.length === 1 ? 'it' : `${files.length} files`}`
                  : 'Estimate the cost'}
          </button>
          {files.length > 0 ? (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setFiles([]);
                setPhase('pick');
                fileInput.current?.focus();
              }}
            >
              Clear
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
