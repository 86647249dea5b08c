import type { UserView } from '@docat/contracts';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { Navigate, useLocation } from 'react-router';
import { client } from '../api/client.js';
import { api } from '../api/endpoints.js';

interface Session {
  status: 'loading' | 'signed-in' | 'signed-out';
  user: UserView | null;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Reads the account again (after a verification, a plan change). */
  reload(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserView | null>(null);
  const [status, setStatus] = useState<Session['status']>('loading');

  const load = useCallback(async () => {
    try {
      setUser(await api.me());
      setStatus('signed-in');
    } catch {
      client.forget();
      setUser(null);
      setStatus('signed-out');
    }
  }, []);

  useEffect(() => {
    let live = true;
    void client.restore().then((restored) => {
      if (!live) return;
      if (restored) void load();
      else setStatus('signed-out');
    });
    // A refresh that failed (session ended elsewhere) signs the page out.
    const off = client.onSessionChange((signedIn) => {
      if (!signedIn) {
        setUser(null);
        setStatus('signed-out');
      }
    });
    return () => {
      live = false;
      off();
    };
  }, [load]);

  const value = useMemo<Session>(
    () => ({
      status,
      user,
      signIn: async (email, password) => {
        await client.signIn(email, password);
        await load();
      },
      signOut: async () => {
        await client.signOut().catch(() => undefined);
        setUser(null);
        setStatus('signed-out');
      },
      reload: load,
    }),
    [status, user, load],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user; pages under `RequireUser` only. */
export function useUser(): UserView {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}

/** Sends a visitor who is not signed in to the sign-in page, and back here afterwards. */
export function RequireUser({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { status, user } = useSession();
  const location = useLocation();
  if (status === 'loading') return <p role="status">Loading…</p>;
  if (!user)
    return (
      <Navigate
        to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`}
        replace
      />
    );
  if (admin && user.role !== 'admin') return <Navigate to="/" replace />;
  return <>{children}</>;
}
