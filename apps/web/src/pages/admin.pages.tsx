import type {
  AdminUserView,
  FailedQueueJobList,
  InviteView,
  Plan,
  QueueName,
} from '@docat/contracts';
import { useState, type FormEvent } from 'react';
import { Outlet } from 'react-router';
import { api } from '../api/endpoints.js';
import { useUser } from '../auth/session.js';
import { SectionNav } from '../components/layout.js';
import {
  ErrorMessage,
  Notice,
  PageHeading,
  formatDate,
  useAction,
  useLoad,
} from '../components/ui.js';

const PLANS: readonly Plan[] = ['free', 'plus', 'pro'] satisfies readonly Plan[];

export function AdminLayout() {
  return (
    <>
      <SectionNav
        label="Administration"
        links={[
          { to: '/admin', text: 'Users', end: true },
          { to: '/admin/invites', text: 'Invitations' },
          { to: '/admin/queues', text: 'Queues' },
          { to: '/admin/engines', text: 'Engines' },
        ]}
      />
      <Outlet />
    </>
  );
}

export function AdminUsersPage() {
  const me = useUser();
  const [search, setSearch] = useState('');
  const [email, setEmail] = useState('');
  const [extra, setExtra] = useState<AdminUserView[]>([]);
  const users = useLoad(() => api.adminUsers(email ? { email } : {}), [email]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const shownCursor = cursor ?? users.data?.nextCursor ?? null;
  const more = useAction(async () => {
    if (!shownCursor) return;
    const page = await api.adminUsers({ ...(email ? { email } : {}), cursor: shownCursor });
    setExtra((current) => [...current, ...page.items]);
    setCursor(page.nextCursor ?? '');
  });
  const replace = (updated: AdminUserView) => {
    users.setData((current) =>
      current
        ? { ...current, items: current.items.map((u) => (u.id === updated.id ? updated : u)) }
        : current,
    );
    setExtra((current) => current.map((u) => (u.id === updated.id ? updated : u)));
  };
  const toggle = useAction(async (user: AdminUserView) => {
    const updated = user.disabledAt
      ? await api.adminEnable(user.id)
      : await api.adminDisable(user.id);
    replace(updated);
    setMessage(
      `${updated.email} is ${updated.disabledAt ? 'disabled: its sessions and keys stopped working' : 'enabled again'}.`,
    );
  });
  const plan = useAction(async (user: AdminUserView, next: Plan) => {
    const updated = await api.adminSetPlan(user.id, next);
    replace(updated);
    setMessage(`${updated.email} is on the ${updated.plan} plan.`);
  });
  const list = [...(users.data?.items ?? []), ...extra];
  return (
    <section>
      <PageHeading title="Users">Users</PageHeading>
      <form
        className="filters"
        role="search"
        aria-label="Find users"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setExtra([]);
          setCursor(null);
          setEmail(search.trim());
        }}
      >
        <div>
          <label htmlFor="user-search">Email contains</label>
          <input
            id="user-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      {message ? <Notice kind="success">{message}</Notice> : null}
      <ErrorMessage error={users.error ?? toggle.error ?? plan.error ?? more.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Users">
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Plan</th>
              <th scope="col">Confirmed</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((user) => (
              <tr key={user.id}>
                <td>{user.email}</td>
                <td>{user.role}</td>
                <td>
                  <label className="visually-hidden" htmlFor={`plan-${user.id}`}>
                    Plan of {user.email}
                  </label>
                  <select
                    id={`plan-${user.id}`}
                    value={user.plan}
                    onChange={(e) => void plan.run(user, e.target.value as Plan)}
                  >
                    {PLANS.map((p) => (
                      <option key={p} value={p}>
                        {p}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{user.emailVerified ? 'yes' : 'no'}</td>
                <td>{formatDate(user.createdAt)}</td>
                <td>{user.disabledAt ? `disabled ${formatDate(user.disabledAt)}` : 'active'}</td>
                <td>
                  {user.id !== me.id ? (
                    <button
                      type="button"
                      className={user.disabledAt ? 'secondary' : 'danger'}
                      aria-label={`${user.disabledAt ? 'Enable' : 'Disable'} ${user.email}`}
                      onClick={() => void toggle.run(user)}
                    >
                      {user.disabledAt ? 'Enable' : 'Disable'}
                    </button>
                  ) : (
                    <span className="muted">you</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shownCursor ? (
        <button type="button" className="secondary" onClick={() => void more.run()}>
          More users
        </button>
      ) : null}
    </section>
  );
}

export function AdminInvitesPage() {
  const [email, setEmail] = useState('');
  const [days, setDays] = useState('7');
  const [invites, setInvites] = useState<InviteView[]>([]);
  const create = useAction(async () => {
    const invite = await api.adminCreateInvite({
      ...(email.trim() ? { email: email.trim() } : {}),
      expiresInDays: Number(days),
    });
    setInvites((current) => [invite, ...current]);
    setEmail('');
  });
  return (
    <section>
      <PageHeading title="Invitations">Invitations</PageHeading>
      <p>
        With registration set to invitations only, a code admits one account. Codes are shown once.
      </p>
      <form
        className="inline-form"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <div>
          <label htmlFor="invite-email">For the address (optional)</label>
          <input
            id="invite-email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor="invite-days">Valid for days</label>
          <input
            id="invite-days"
            type="number"
            min={1}
            max={90}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </div>
        <button type="submit" disabled={create.pending}>
          Create an invitation
        </button>
      </form>
      <ErrorMessage error={create.error} />
      {invites.length > 0 ? (
        <ul className="plain">
          {invites.map((invite) => {
            const link = `${window.location.origin}/invite?code=${encodeURIComponent(invite.code)}${invite.email ? `&email=${encodeURIComponent(invite.email)}` : ''}`;
            return (
              <li key={invite.id} className="card">
                <p>
                  {invite.email ?? 'Any address'} · expires {formatDate(invite.expiresAt)}
                </p>
                <label htmlFor={`invite-${invite.id}`}>Link to send</label>
                <input
                  id={`invite-${invite.id}`}
                  className="secret"
                  readOnly
                  value={link}
                  onFocus={(e) => e.target.select()}
                />
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}

export function AdminQueuesPage() {
  const overview = useLoad(() => api.adminQueues(), []);
  const [open, setOpen] = useState<QueueName | null>(null);
  const [failed, setFailed] = useState<FailedQueueJobList | null>(null);
  const show = useAction(async (queue: QueueName) => {
    setOpen(queue);
    setFailed(await api.adminFailed(queue));
  });
  const retry = useAction(async (queue: QueueName, id: string) => {
    await api.adminRetry(queue, id);
    setFailed(await api.adminFailed(queue));
    overview.reload();
  });
  const remove = useAction(async (queue: QueueName, id: string) => {
    if (!window.confirm(`Remove queue job ${id} for good? It will not run again.`)) return;
    await api.adminRemove(queue, id);
    setFailed(await api.adminFailed(queue));
    overview.reload();
  });
  return (
    <section>
      <PageHeading title="Queues">Queues</PageHeading>
      <p>
        <button type="button" className="secondary" onClick={() => overview.reload()}>
          Refresh
        </button>{' '}
        {overview.data ? <span className="muted">as of {formatDate(overview.data.at)}</span> : null}
      </p>
      <ErrorMessage error={overview.error ?? show.error ?? retry.error ?? remove.error} />
      {overview.data ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Queue depths">
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Active</th>
                <th scope="col">Delayed</th>
                <th scope="col">Failed</th>
                <th scope="col">Oldest waiting</th>
                <th scope="col">Workers</th>
                <th scope="col">Done last hour</th>
              </tr>
            </thead>
            <tbody>
              {overview.data.items.map((q) => (
                <tr key={q.name}>
                  <td>{q.name}</td>
                  <td>{q.waiting}</td>
                  <td>{q.active}</td>
                  <td>{q.delayed}</td>
                  <td>
                    {q.failed > 0 ? (
                      <button
                        type="button"
                        className="link"
                        aria-label={`Show the ${q.failed} failed jobs of ${q.name}`}
                        onClick={() => void show.run(q.name)}
                      >
                        {q.failed}
                      </button>
                    ) : (
                      0
                    )}
                  </td>
                  <td>
                    {q.oldestWaitingAgeSeconds === null
                      ? '—'
                      : `${Math.round(q.oldestWaitingAgeSeconds)} s`}
                  </td>
                  <td>{q.workers}</td>
                  <td>
                    {q.throughput.lastHour.completed} done, {q.throughput.lastHour.failed} failed
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {open && failed ? (
        <>
          <h2>Failed jobs of {open}</h2>
          {failed.items.length === 0 ? <p>None.</p> : null}
          <ul className="plain">
            {failed.items.map((job) => (
              <li key={job.id} className="card">
                <p>
                  <code>{job.id}</code> {job.jobId ? `(job ${job.jobId})` : ''} · {job.attempts}{' '}
                  attempts · failed {formatDate(job.failedAt)}
                </p>
                <pre className="error-text">{job.error}</pre>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void retry.run(open, job.id)}
                >
                  Retry
                </button>{' '}
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void remove.run(open, job.id)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function AdminEnginesPage() {
  const engines = useLoad(() => api.engines(), []);
  return (
    <section>
      <PageHeading title="Engines">Engines</PageHeading>
      <ErrorMessage error={engines.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Engines">
        <table>
          <thead>
            <tr>
              <th scope="col">Engine</th>
              <th scope="col">Model</th>
              <th scope="col">Kind</th>
              <th scope="col">Languages</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {(engines.data?.items ?? []).map((e) => (
              <tr key={e.name}>
                <td>
                  {e.name} {e.default ? <span className="badge">default</span> : null}
                </td>
                <td>{e.model}</td>
                <td>
                  {e.paid ? 'paid' : 'free'}
                  {e.offline ? ', offline' : ''}
                </td>
                <td>
                  {e.languages.source.length} from, {e.languages.target.length} to
                </td>
                <td>
                  {e.health.ok
                    ? 'available'
                    : `unavailable${e.health.detail ? `: ${e.health.detail}` : ''}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
