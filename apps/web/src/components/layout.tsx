import { NavLink, Outlet, useNavigate } from 'react-router';
import { useSession } from '../auth/session.js';

export function Layout() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <NavLink to="/" className="brand" aria-label="Docat home">
          <svg aria-hidden="true" width="28" height="28" viewBox="0 0 32 32">
            <rect width="32" height="32" rx="6" fill="#1d4ed8" />
            <path d="M9 7h9l5 5v13H9z" fill="#fff" />
            <path d="M12 17h8M12 21h6" stroke="#1d4ed8" strokeWidth="2" />
          </svg>
          <span>Docat</span>
        </NavLink>
        {user ? (
          <nav aria-label="Main">
            <ul>
              <li>
                <NavLink to="/" end>
                  Translate
                </NavLink>
              </li>
              <li>
                <NavLink to="/jobs">History</NavLink>
              </li>
              <li>
                <NavLink to="/account">Account</NavLink>
              </li>
              {user.role === 'admin' ? (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              ) : null}
            </ul>
          </nav>
        ) : null}
        <div className="who">
          {user ? (
            <>
              <span className="email" title={user.email}>
                {user.email}
              </span>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  void signOut().then(() => navigate('/sign-in'));
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <>
              <NavLink to="/sign-in">Sign in</NavLink>
              <NavLink to="/sign-up">Sign up</NavLink>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <a href="/docs">API reference</a>
      </footer>
    </>
  );
}

/** Tabs of a section (Account, Admin). */
export function SectionNav({
  label,
  links,
}: {
  label: string;
  links: { to: string; text: string; end?: boolean }[];
}) {
  return (
    <nav aria-label={label} className="section-nav">
      <ul>
        {links.map((link) => (
          <li key={link.to}>
            <NavLink to={link.to} end={link.end ?? false}>
              {link.text}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
