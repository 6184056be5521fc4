/** The conversation a user was last in, reopened after signing in again (localStorage, per browser). */
const LAST = 'lm.lastConversation';
const REOPEN = 'lm.reopenLast';

export function rememberLastConversation(userId: number, conversationId: number): void {
  localStorage.setItem(LAST, JSON.stringify({ userId, conversationId }));
}

export function forgetLastConversation(conversationId: number): void {
  const last = read();
  if (last?.conversationId === conversationId) localStorage.removeItem(LAST);
}

/** Called on sign-in: the chat page then opens the last conversation once. */
export function requestReopen(): void {
  sessionStorage.setItem(REOPEN, '1');
}

/** The conversation to reopen for this user, once per sign-in; null when none. */
export function takeReopenRequest(userId: number): number | null {
  if (!sessionStorage.getItem(REOPEN)) return null;
  sessionStorage.removeItem(REOPEN);
  const last = read();
  return last && last.userId === userId ? last.conversationId : null;
}

function read(): { userId: number; conversationId: number } | null {
  try {
    return JSON.parse(localStorage.getItem(LAST) ?? 'null');
  } catch {
    return null;
  }
}
