import type { TokenPair } from './types';

const KEY = 'lm.tokens';

type Listener = (tokens: TokenPair | null) => void;
const listeners = new Set<Listener>();

/** Access/refresh tokens persisted in localStorage so a session survives a reload. */
export const tokenStore = {
  get(): TokenPair | null {
    try {
      const raw = localStorage.getItem(KEY);
      return raw ? (JSON.parse(raw) as TokenPair) : null;
    } catch {
      return null;
    }
  },
  set(tokens: TokenPair | null): void {
    if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens));
    else localStorage.removeItem(KEY);
    listeners.forEach((l) => l(tokens));
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
