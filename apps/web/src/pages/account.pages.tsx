import type { CreatedApiKey, LanguageCode } from '@docat/contracts';
import { useState, type FormEvent } from 'react';
import { Outlet, useNavigate } from 'react-router';
import { client } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { useSession, useUser } from '../auth/session.js';
import { SectionNav } from '../components/layout.js';
import { GlossaryEditor } from './glossary-editor.js';
import {
  ErrorMessage,
  Notice,
  PageHeading,
  formatDate,
  saveBlob,
  useAction,
  useLoad,
} from '../components/ui.js';

export function AccountLayout() {
  return (
    <>
      <SectionNav
        label="Account"
        links={[
          { to: '/account', text: 'Overview', end: true },
          { to: '/account/api-keys', text: 'API keys' },
          { to: '/account/sessions', text: 'Sessions' },
          { to: '/account/glossaries', text: 'Glossaries' },
          { to: '/account/memory', text: 'Translation memory' },
          { to: '/account/data', text: 'Your data' },
        ]}
      />
      <Outlet />
    </>
  );
}

export function AccountOverviewPage() {
  const user = useUser();
  const usage = useLoad(() => api.usage(), []);
  const [sent, setSent] = useState(false);
  const resend = useAction(async () => {
    await api.resendVerification();
    setSent(true);
  });
  const u = usage.data;
  return (
    <section>
      <PageHeading title="Account">Account</PageHeading>
      <dl className="facts">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Plan</dt>
        <dd>{user.plan}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Member since</dt>
        <dd>{formatDate(user.createdAt)}</dd>
        <dt>Email confirmed</dt>
        <dd>{user.emailVerified ? 'Yes' : 'Not yet'}</dd>
      </dl>
      {!user.emailVerified ? (
        sent ? (
          <Notice kind="success">
            A new confirmation link is on its way; earlier links no longer work.
          </Notice>
        ) : (
          <p>
            <button
              type="button"
              className="secondary"
              disabled={resend.pending}
              onClick={() => void resend.run()}
            >
              Send the confirmation link again
            </button>
          </p>
        )
      ) : null}
      <ErrorMessage error={resend.error} />
      <h2>Credits this period</h2>
      <ErrorMessage error={usage.error} />
      {u ? (
        <>
          <p>
            {formatDate(u.period.start)} to {formatDate(u.period.end)} · plan{' '}
            <strong>{u.plan}</strong>
          </p>
          {u.unlimited ? (
            <p>Your plan has no credit limit.</p>
          ) : (
            <>
              <progress
                max={u.granted ?? 1}
                value={Math.min(u.used + u.reserved, u.granted ?? 0)}
                aria-label="Credits used"
              />
              <p>
                {u.used.toLocaleString()} used, {u.reserved.toLocaleString()} reserved by running
                jobs, <strong>{(u.available ?? 0).toLocaleString()}</strong> of{' '}
                {(u.granted ?? 0).toLocaleString()} available.
                {!u.emailVerified
                  ? ' Credits are granted once your email address is confirmed.'
                  : ''}
              </p>
            </>
          )}
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Credits by kind">
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Rate</th>
                  <th scope="col">Credits used</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td>Text pages</td>
                  <td>{u.rates.textPage} per page</td>
                  <td>{u.breakdown.text_pages.credits}</td>
                </tr>
                <tr>
                  <td>Scanned pages (OCR)</td>
                  <td>{u.rates.ocrPage} per page</td>
                  <td>{u.breakdown.ocr_pages.credits}</td>
                </tr>
                <tr>
                  <td>Paid translation</td>
                  <td>{u.rates.translationPer1000Characters} per 1,000 characters</td>
                  <td>{u.breakdown.translation.credits}</td>
                </tr>
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

export function ApiKeysPage() {
  const keys = useLoad(() => api.apiKeys(), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useAction(async () => {
    setCreated(await api.createApiKey(name.trim() || 'API key'));
    setName('');
    keys.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api.revokeApiKey(id);
    if (created?.id === id) setCreated(null);
    keys.reload();
  });
  return (
    <section>
      <PageHeading title="API keys">API keys</PageHeading>
      <p>
        A key acts as your account for programs: send it as <code>Authorization: Bearer dk_…</code>.
      </p>
      <form
        className="inline-form"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <div>
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            maxLength={100}
            placeholder="API key"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" disabled={create.pending}>
          Create a key
        </button>
      </form>
      <ErrorMessage error={create.error} />
      {created ? (
        <div className="notice success" role="status">
          <p>
            <strong>Copy the key now: it is shown this once.</strong>
          </p>
          <p>
            <label htmlFor="new-key">Key “{created.name}”</label>
            <input
              id="new-key"
              className="secret"
              readOnly
              value={created.key}
              onFocus={(e) => e.target.select()}
            />
          </p>
        </div>
      ) : null}
      <ErrorMessage error={keys.error ?? revoke.error} />
      {keys.data && keys.data.items.length === 0 ? <p>No keys yet.</p> : null}
      {keys.data && keys.data.items.length > 0 ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Your API keys">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{formatDate(key.createdAt)}</td>
                  <td>{formatDate(key.lastUsedAt)}</td>
                  <td>{key.expiresAt ? formatDate(key.expiresAt) : 'never'}</td>
                  <td>
                    <button
                      type="button"
                      className="link danger"
                      aria-label={`Revoke ${key.name} (${key.prefix})`}
                      onClick={() => void revoke.run(key.id)}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

export function SessionsPage() {
  const sessions = useLoad(() => api.sessions(), []);
  const { signOut } = useSession();
  const navigate = useNavigate();
  const revoke = useAction(async (id: string, current: boolean) => {
    await api.revokeSession(id);
    if (current) {
      await signOut();
      await navigate('/sign-in');
    } else sessions.reload();
  });
  const everywhere = useAction(async () => {
    await api.revokeAllSessions();
    await signOut();
    await navigate('/sign-in');
  });
  return (
    <section>
      <PageHeading title="Sessions">Sessions</PageHeading>
      <p>
        Each sign-in is a session. Sign out the ones you do not recognise; they stop working at
        once.
      </p>
      <ErrorMessage error={sessions.error ?? revoke.error ?? everywhere.error} />
      {sessions.data ? (
        <ul className="sessions">
          {sessions.data.items.map((s) => (
            <li key={s.id} className="card">
              <p>
                <strong>{s.userAgent ?? 'Unknown browser or program'}</strong>{' '}
                {s.current ? <span className="badge">this browser</span> : null}
              </p>
              <p className="muted">
                From {s.ip ?? 'an unknown address'} · signed in {formatDate(s.createdAt)} · last
                active {formatDate(s.lastUsedAt)} · ends {formatDate(s.expiresAt)}
              </p>
              <button
                type="button"
                className="secondary"
                onClick={() => void revoke.run(s.id, s.current)}
              >
                Sign out{s.current ? ' here' : ' this session'}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <button
        type="button"
        className="danger"
        disabled={everywhere.pending}
        onClick={() => void everywhere.run()}
      >
        Sign out everywhere
      </button>
    </section>
  );
}

export function GlossariesPage() {
  const glossaries = useLoad(() => api.glossaries(), []);
  const languages = useLoad(() => api.languages(), []);
  const [name, setName] = useState('');
  const [sourceLanguage, setSource] = useState<LanguageCode>('en');
  const [targetLanguage, setTarget] = useState<LanguageCode>('de');
  const [csv, setCsv] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const detail = useLoad(() => (open ? api.glossary(open) : Promise.resolve(null)), [open]);
  const edited = useLoad(
    () => (editing ? api.glossary(editing) : Promise.resolve(null)),
    [editing],
  );
  const create = useAction(async () => {
    await api.createGlossary({
      name: name.trim() || 'glossary',
      sourceLanguage,
      targetLanguage,
      csv,
    });
    setName('');
    setCsv('');
    glossaries.reload();
  });
  const remove = useAction(async (id: string) => {
    await api.deleteGlossary(id);
    if (open === id) setOpen(null);
    if (editing === id) setEditing(null);
    glossaries.reload();
  });
  const langs = languages.data?.items ?? [];
  return (
    <section>
      <PageHeading title="Glossaries">Glossaries</PageHeading>
      <p>
        A glossary fixes how terms are translated for one language pair. Import it as CSV rows of{' '}
        <code>term,translation</code>.
      </p>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <div className="grid">
          <div>
            <label htmlFor="g-name">Name</label>
            <input
              id="g-name"
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="g-source">From</label>
            <select
              id="g-source"
              value={sourceLanguage}
              onChange={(e) => setSource(e.target.value as LanguageCode)}
            >
              {langs.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="g-target">To</label>
            <select
              id="g-target"
              value={targetLanguage}
              onChange={(e) => setTarget(e.target.value as LanguageCode)}
            >
              {langs.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label htmlFor="g-file">CSV file</label>
        <input
          id="g-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void file.text().then(setCsv);
          }}
        />
        <label htmlFor="g-csv">Or paste the rows</label>
        <textarea
          id="g-csv"
          rows={5}
          required
          value={csv}
          onChange={(e) => setCsv(e.target.value)}
          placeholder={'term,translation\ncloud,Wolke'}
        />
        <ErrorMessage error={create.error} />
        <button type="submit" disabled={create.pending}>
          Create the glossary
        </button>
      </form>
      <h2>Your glossaries</h2>
      <ErrorMessage error={glossaries.error ?? remove.error} />
      {glossaries.data && glossaries.data.items.length === 0 ? <p>None yet.</p> : null}
      <ul className="plain">
        {(glossaries.data?.items ?? []).map((g) => (
          <li key={g.id} className="card">
            <p>
              <strong>{g.name}</strong> · {g.sourceLanguage} → {g.targetLanguage} · {g.entryCount}{' '}
              {g.entryCount === 1 ? 'term' : 'terms'} ·{' '}
              {g.updatedAt !== g.createdAt
                ? `changed ${formatDate(g.updatedAt)}`
                : formatDate(g.createdAt)}
            </p>
            {saved === g.id ? <Notice kind="success">Saved.</Notice> : null}
            <button
              type="button"
              className="secondary"
              aria-expanded={open === g.id}
              onClick={() => {
                setOpen(open === g.id ? null : g.id);
                setEditing(null);
              }}
            >
              {open === g.id ? 'Hide terms' : 'Show terms'}
            </button>{' '}
            <button
              type="button"
              className="secondary"
              aria-expanded={editing === g.id}
              aria-label={`Edit the glossary ${g.name}`}
              onClick={() => {
                setEditing(editing === g.id ? null : g.id);
                setOpen(null);
                setSaved(null);
              }}
            >
              Edit
            </button>{' '}
            <button
              type="button"
              className="danger"
              aria-label={`Delete the glossary ${g.name}`}
              onClick={() => void remove.run(g.id)}
            >
              Delete
            </button>
            {editing === g.id && edited.data?.id === g.id ? (
              <GlossaryEditor
                key={edited.data.version + edited.data.name}
                glossary={edited.data}
                languages={langs}
                onCancel={() => setEditing(null)}
                onSaved={() => {
                  setEditing(null);
                  setSaved(g.id);
                  glossaries.reload();
                }}
              />
            ) : null}
            {editing === g.id ? <ErrorMessage error={edited.error} /> : null}
            {open === g.id && detail.data ? (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Term</th>
                    <th scope="col">Translation</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.entries.map((entry, i) => (
                    <tr key={i}>
                      <td>{entry.term}</td>
                      <td>{entry.translation}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function MemoryPage() {
  const [message, setMessage] = useState<string | null>(null);
  const exportTmx = useAction(async () => {
    const { blob, fileName } = await api.exportMemory();
    saveBlob(blob, fileName ?? 'docat-memory.tmx');
  });
  const importTmx = useAction(async (file: File) => {
    const result = await api.importMemory(await file.text());
    setMessage(`Imported ${result.imported} translation units, skipped ${result.skipped}.`);
  });
  const purge = useAction(async () => {
    if (
      !window.confirm(
        'Erase your whole translation memory? Later translations of the same sentences are billed again.',
      )
    )
      return;
    const result = await api.purgeMemory();
    setMessage(`Erased ${result.removed} entries.`);
  });
  return (
    <section>
      <PageHeading title="Translation memory">Translation memory</PageHeading>
      <p>
        Docat remembers your translated sentences, so translating the same sentence again costs
        nothing. The memory is private to your account.
      </p>
      {message ? <Notice kind="success">{message}</Notice> : null}
      <h2>Export</h2>
      <button
        type="button"
        className="secondary"
        disabled={exportTmx.pending}
        onClick={() => void exportTmx.run()}
      >
        Download as TMX
      </button>
      <ErrorMessage error={exportTmx.error} />
      <h2>Import</h2>
      <label htmlFor="tmx">TMX file (for example corrected translations)</label>
      <input
        id="tmx"
        type="file"
        accept=".tmx,application/x-tmx+xml,text/xml"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void importTmx.run(file);
          e.target.value = '';
        }}
      />
      <ErrorMessage error={importTmx.error} />
      <h2>Erase</h2>
      <button
        type="button"
        className="danger"
        disabled={purge.pending}
        onClick={() => void purge.run()}
      >
        Erase the translation memory
      </button>
      <ErrorMessage error={purge.error} />
    </section>
  );
}

export function DataPage() {
  const user = useUser();
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState('');
  const exportData = useAction(async () => {
    const { blob, fileName } = await api.exportMyData();
    saveBlob(blob, fileName ?? 'docat-account.json');
  });
  const erase = useAction(async () => {
    await api.deleteMe();
    client.forget();
    await navigate('/sign-in');
  });
  return (
    <section>
      <PageHeading title="Your data">Your data</PageHeading>
      <h2>Export</h2>
      <p>
        Everything the account holds, as one JSON file: account, jobs, usage, webhooks and
        glossaries.
      </p>
      <button
        type="button"
        className="secondary"
        disabled={exportData.pending}
        onClick={() => void exportData.run()}
      >
        Download my data
      </button>
      <ErrorMessage error={exportData.error} />
      <h2>Delete the account</h2>
      <p>
        This erases your jobs and their files, glossaries, translation memory, webhooks, sessions
        and keys. It cannot be undone.
      </p>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void erase.run();
        }}
      >
        <label htmlFor="confirm-email">Type your email address to confirm</label>
        <input
          id="confirm-email"
          type="email"
          autoComplete="off"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        <ErrorMessage error={erase.error} />
        <button
          type="submit"
          className="danger"
          disabled={confirm.trim().toLowerCase() !== user.email.toLowerCase() || erase.pending}
        >
          Delete my account
        </button>
      </form>
    </section>
  );
}
