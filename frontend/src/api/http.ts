import { tokenStore } from './tokens';
import type { ApiErrorBody, TokenPair } from './types';

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> & { detail?: unknown } = {};
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  const err = body.error;
  const message = err?.message ?? (typeof body.detail === 'string' ? body.detail : res.statusText || `HTTP ${res.status}`);
  return new ApiError(res.status, err?.code ?? `http_${res.status}`, message, err?.details ?? body.detail);
}

let refreshing: Promise<string> | null = null;

/**
 * Exchanges the refresh token for a new pair. Single-flight: concurrent callers share
 * one request. On failure the session is cleared (which logs the user out).
 */
export function refreshAccessToken(): Promise<string> {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const current = tokenStore.get();
    if (!current?.refresh_token) throw new ApiError(401, 'not_authenticated', 'Not signed in');
    const res = await fetch(`${API}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    });
    if (!res.ok) throw await toApiError(res);
    const pair = (await res.json()) as TokenPair;
    tokenStore.set(pair);
    return pair.access_token;
  })();
  refreshing
    .catch(() => tokenStore.set(null))
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

function withAuth(init: RequestInit, token: string | undefined): RequestInit {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return { ...init, headers };
}

/** fetch with the bearer token; on 401 refreshes once (shared) and retries once. */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const token = tokenStore.get()?.access_token;
  const res = await fetch(path, withAuth(init, token));
  if (res.status !== 401 || !token) return res;
  let fresh: string;
  try {
    fresh = await refreshAccessToken();
  } catch {
    return res;
  }
  return fetch(path, withAuth(init, fresh));
}

/** JSON request helper: throws ApiError on a non-2xx answer, returns undefined on 204. */
export async function request<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  if (json !== undefined) {
    rest.body = JSON.stringify(json);
    rest.headers = { 'Content-Type': 'application/json', ...(rest.headers as Record<string, string>) };
  }
  const res = await authFetch(path, rest);
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function xhrOnce<T>(
  path: string,
  form: FormData,
  token: string | undefined,
  onProgress?: (percent: number) => void,
): Promise<{ status: number; body: T | ApiErrorBody | null; statusText: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        /* not JSON */
      }
      resolve({ status: xhr.status, body, statusText: xhr.statusText });
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'Network error'));
    xhr.send(form);
  });
}

/** Multipart upload through XMLHttpRequest (fetch has no upload progress). */
export async function upload<T>(path: string, form: FormData, onProgress?: (percent: number) => void): Promise<T> {
  const token = tokenStore.get()?.access_token;
  let res = await xhrOnce<T>(path, form, token, onProgress);
  if (res.status === 401 && token) {
    const fresh = await refreshAccessToken();
    res = await xhrOnce<T>(path, form, fresh, onProgress);
  }
  if (res.status >= 200 && res.status < 300) return res.body as T;
  const err = (res.body as ApiErrorBody | null)?.error;
  throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText, err?.details);
}
