import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { auth, users } from '../api/client';
import { tokenStore } from '../api/tokens';
import type { UserPublic } from '../api/types';
import { clearCachedConversations } from '../chat/conversationStore';

interface AuthState {
  user: UserPublic | null;
  /** True until the stored session has been checked on start-up. */
  checking: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  setUser: (u: UserPublic) => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserPublic | null>(null);
  const [checking, setChecking] = useState(() => tokenStore.get() !== null);

  useEffect(() => {
    if (tokenStore.get()) {
      users
        .me()
        .then(setUser)
        .catch(() => tokenStore.set(null))
        .finally(() => setChecking(false));
    }
    // A failed refresh anywhere clears the tokens: that is a logout.
    return tokenStore.subscribe((tokens) => {
      if (!tokens) setUser(null);
    });
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    await auth.login(username, password);
    setUser(await users.me());
  }, []);

  const logout = useCallback(async () => {
    clearCachedConversations();
    await auth.logout().catch(() => undefined);
  }, []);

  return (
    <AuthContext.Provider value={{ user, checking, login, logout, setUser }}>{children}</AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
