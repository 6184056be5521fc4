import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { auth, users } from '../api/client';
import { tokenStore } from '../api/tokens';
import type { UserPublic } from '../api/types';
import { clearCachedConversations } from '../chat/conversationStore';
import { useI18n, type Language } from '../i18n';

interface AuthState {
  user: UserPublic | null;
  /** True until the stored session has been checked on start-up. */
  checking: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  /** Switches the UI language and saves it to the profile. */
  changeLanguage: (lang: Language) => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserPublic | null>(null);
  const [checking, setChecking] = useState(() => tokenStore.get() !== null);
  const { setLang } = useI18n();

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

  /** Signs in and adopts the language saved in the user's profile. */
  const login = useCallback(
    async (username: string, password: string) => {
      await auth.login(username, password);
      const me = await users.me();
      if (me.language) setLang(me.language as Language);
      setUser(me);
    },
    [setLang],
  );

  const changeLanguage = useCallback(
    (lang: Language) => {
      setLang(lang);
      users.updateMe({ language: lang }).then(setUser, () => undefined);
    },
    [setLang],
  );

  const logout = useCallback(async () => {
    clearCachedConversations();
    await auth.logout().catch(() => undefined);
  }, []);

  return (
    <AuthContext.Provider value={{ user, checking, login, logout, changeLanguage }}>{children}</AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
