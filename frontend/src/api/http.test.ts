import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authFetch, request } from './http';
import { tokenStore } from './tokens';

const pair = (n: number) => ({ access_token: `a${n}`, refresh_token: `r${n}`, token_type: 'bearer' as const, expires_in: 900 });
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function authOf(init?: RequestInit): string | null {
  return new Headers(init?.headers).get('Authorization');
}

describe('auth refresh flow', () => {
  let fetchMock: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    localStorage.clear();
    tokenStore.set(pair(1));
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('refreshes on 401 and retries the request once with the new token', async () => {
    fetchMock.mockImplementation(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/auth/refresh')) {
        expect(JSON.parse(init!.body as string)).toEqual({ refresh_token: 'r1' });
        return json(200, pair(2));
      }
      return authOf(init) === 'Bearer a2' ? json(200, { ok: true }) : json(401, { error: { code: 'expired', message: 'x' } });
    });
    await expect(request('/api/v1/users/me')).resolves.toEqual({ ok: true });
    expect(fetchMock.mock.calls.map((c) => c[0])).toEqual(['/api/v1/users/me', '/api/v1/auth/refresh', '/api/v1/users/me']);
    expect(tokenStore.get()).toEqual(pair(2));
  });

  it('retries only once: a second 401 is returned as is', async () => {
    fetchMock.mockImplementation(async (url: string) =>
      url.endsWith('/auth/refresh') ? json(200, pair(2)) : json(401, { error: { code: 'nope', message: 'no' } }),
    );
    const res = await authFetch('/api/v1/x');
    expect(res.status).toBe(401);
    expect(fetchMock).toHaveBeenCalledTimes(3);
  });

  it('concurrent 401s trigger a single refresh', async () => {
    let refreshes = 0;
    fetchMock.mockImplementation(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 10));
        return json(200, pair(2));
      }
      return authOf(init) === 'Bearer a2' ? json(200, url) : json(401, {});
    });
    const results = await Promise.all(['/a', '/b', '/c'].map((p) => request<string>(p)));
    expect(results).toEqual(['/a', '/b', '/c']);
    expect(refreshes).toBe(1);
  });

  it('logs out when the refresh fails', async () => {
    const onChange = vi.fn();
    const unsubscribe = tokenStore.subscribe(onChange);
    fetchMock.mockImplementation(async (url: string) =>
      url.endsWith('/auth/refresh') ? json(401, { error: { code: 'revoked', message: 'revoked' } }) : json(401, {}),
    );
    await expect(request('/api/v1/users/me')).rejects.toMatchObject({ status: 401 });
    expect(tokenStore.get()).toBeNull();
    expect(localStorage.getItem('lm.tokens')).toBeNull();
    expect(onChange).toHaveBeenCalledWith(null);
    unsubscribe();
  });

  it('does not try to refresh without a session', async () => {
    tokenStore.set(null);
    fetchMock.mockResolvedValue(json(401, {}));
    await expect(request('/api/v1/users/me')).rejects.toMatchObject({ status: 401 });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
