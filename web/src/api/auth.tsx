import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, storeToken, storedToken, type User } from './client.js';

interface Auth {
  user: User | null;
  /** True until the stored token has been checked against GET /user. */
  loading: boolean;
  signIn(user: User): void;
  signOut(): void;
}

const AuthContext = createContext<Auth>({ user: null, loading: false, signIn: () => {}, signOut: () => {} });

/** The signed-in user: the JWT lives in localStorage (the spec's choice) and is checked once at load. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(() => storedToken() !== null);
  useEffect(() => {
    if (!storedToken()) return;
    api<{ user: User }>('GET', '/user')
      .then(({ user }) => setUser(user))
      .catch(() => storeToken(null))
      .finally(() => setLoading(false));
  }, []);
  const auth: Auth = {
    user,
    loading,
    signIn: (next) => {
      storeToken(next.token);
      setUser(next);
    },
    signOut: () => {
      storeToken(null);
      setUser(null);
    },
  };
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  return useContext(AuthContext);
}
