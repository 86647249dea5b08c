import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { useSession } from '../auth/session.js';
import { ErrorMessage, Notice, PageHeading, useAction } from '../components/ui.js';

/** Only a path inside this app: `next` must never send the user to another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const { signIn, user } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    await signIn(email, password);
    await navigate(safeNext(params.get('next')));
  });
  if (user) return <Navigate to={safeNext(params.get('next'))} replace />;
  return (
    <section className="narrow">
      <PageHeading title="Sign in">Sign in</PageHeading>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void action.run();
        }}
      >
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorMessage error={action.error} />
        <button type="submit" disabled={action.pending}>
          {action.pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link> · No account yet?{' '}
        <Link to="/sign-up">Sign up</Link>
      </p>
    </section>
  );
}

export function SignUpPage() {
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [inviteCode, setInviteCode] = useState(params.get('code') ?? '');
  const [done, setDone] = useState(false);
  const invited = params.has('code');
  const action = useAction(async () => {
    // 202 for a new and a taken address alike: the page cannot tell them apart, and must not.
    await api.register({
      email,
      password,
      ...(inviteCode.trim() ? { inviteCode: inviteCode.trim() } : {}),
    });
    setDone(true);
  });
  if (done) {
    return (
      <section className="narrow">
        <PageHeading title="Check your inbox">Check your inbox</PageHeading>
        <Notice kind="success">
          We sent a mail to <strong>{email}</strong>. If the address is new, it holds a confirmation
          link: you can sign in now, and free credits start once the address is confirmed.
        </Notice>
        <p>
          <Link className="button" to={`/sign-in?email=${encodeURIComponent(email)}`}>
            Sign in
          </Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <PageHeading title={invited ? 'Accept your invitation' : 'Create an account'}>
        {invited ? 'Accept your invitation' : 'Create an account'}
      </PageHeading>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void action.run();
        }}
      >
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={256}
          aria-describedby="password-hint"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p id="password-hint" className="hint">
          At least 8 characters.
        </p>
        <label htmlFor="invite">Invitation code {invited ? '' : '(if you have one)'}</label>
        <input
          id="invite"
          autoComplete="off"
          value={inviteCode}
          onChange={(e) => setInviteCode(e.target.value)}
        />
        <ErrorMessage error={action.error} />
        <button type="submit" disabled={action.pending}>
          {action.pending ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already registered? <Link to="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const action = useAction(async () => {
    await api.requestPasswordReset(email);
    setSent(true);
  });
  return (
    <section className="narrow">
      <PageHeading title="Reset your password">Reset your password</PageHeading>
      {sent ? (
        <Notice kind="success">
          If an account uses {email}, a link to set a new password is on its way. It works once, for
          30 minutes.
        </Notice>
      ) : (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void action.run();
          }}
        >
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <ErrorMessage error={action.error} />
          <button type="submit" disabled={action.pending}>
            Send the link
          </button>
        </form>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}

/** The page the reset mail links to: `/reset-password?token=...`. */
export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction(async () => {
    if (password !== confirm) throw new Error('The two passwords differ.');
    await api.confirmPasswordReset(token, password);
    setDone(true);
  });
  return (
    <section className="narrow">
      <PageHeading title="Choose a new password">Choose a new password</PageHeading>
      {!token ? (
        <Notice kind="warning">
          This page needs the link from the reset mail.{' '}
          <Link to="/forgot-password">Ask for a new link</Link>.
        </Notice>
      ) : done ? (
        <Notice kind="success">
          Your password is changed and every session was signed out.{' '}
          <Link to="/sign-in">Sign in</Link> with the new password.
        </Notice>
      ) : (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void action.run();
          }}
        >
          <label htmlFor="password">New password</label>
          <input
            id="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={256}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <label htmlFor="confirm">Repeat it</label>
          <input
            id="confirm"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={256}
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <ErrorMessage error={action.error} />
          {action.error instanceof ApiError && action.error.code === 'TOKEN_INVALID' ? (
            <p>
              <Link to="/forgot-password">Ask for a new link</Link>
            </p>
          ) : null}
          <button type="submit" disabled={action.pending}>
            Set password
          </button>
        </form>
      )}
    </section>
  );
}

/** The verification mail's landing page: `/verify-email?token=...`. */
export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { user, reload } = useSession();
  const [state, setState] = useState<'working' | 'done' | 'failed'>(token ? 'working' : 'failed');
  const [error, setError] = useState<unknown>(
    token ? null : new Error('This page needs the link from the verification mail.'),
  );
  useEffect(() => {
    if (!token) return;
    let live = true;
    api.verifyEmail(token).then(
      () => {
        if (!live) return;
        setState('done');
        if (user) void reload();
      },
      (err: unknown) => {
        if (!live) return;
        setError(err);
        setState('failed');
      },
    );
    return () => {
      live = false;
    };
    // Verify once per token, not again when the session reloads.
  }, [token]);
  return (
    <section className="narrow">
      <PageHeading title="Confirm your email">Confirm your email</PageHeading>
      {state === 'working' ? <p role="status">Confirming…</p> : null}
      {state === 'done' ? (
        <Notice kind="success">
          Your address is confirmed; free credits are available now.{' '}
          {user ? <Link to="/">Translate a PDF</Link> : <Link to="/sign-in">Sign in</Link>}
        </Notice>
      ) : null}
      {state === 'failed' ? (
        <>
          <ErrorMessage error={error} />
          <p>
            {user
              ? 'You can ask for a new link on your account page.'
              : 'Sign in to ask for a new link.'}
          </p>
        </>
      ) : null}
    </section>
  );
}
