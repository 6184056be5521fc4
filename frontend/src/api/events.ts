import { ApiError } from './http';
import { readSSE, SSEParser } from './sse';
import type { SSEEvent } from './types';

export interface JobEvent<T = any> {
  seq: string | null;
  type: string;
  data: T;
}

export interface FollowOptions {
  /** Opens the first connection (a POST that starts the job, or a GET of its events). */
  open: (signal: AbortSignal) => Promise<Response>;
  /** Reopens after a drop with Last-Event-ID; null when it cannot reconnect (yet). */
  reopen: (lastEventId: string | null, signal: AbortSignal) => Promise<Response> | null;
  onEvent: (event: JobEvent) => void;
  /** Called before each reconnect attempt. */
  onReconnecting?: (attempt: number) => void;
  signal: AbortSignal;
  maxRetries?: number;
  retryDelayMs?: (attempt: number) => number;
}

const TERMINAL = new Set(['done', 'error']);

/** The request that starts a job failed before the server accepted it: not retried (a POST must not repeat). */
export class NotStarted extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'NotStarted';
  }
}

function decode(e: SSEEvent): JobEvent {
  let data: unknown = e.data;
  try {
    data = JSON.parse(e.data);
  } catch {
    /* keep raw text */
  }
  return { seq: e.id, type: e.event, data };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Follows a job's SSE events until a terminal event (`done`/`error`), reconnecting with
 * `Last-Event-ID` after a network drop or an early close. Resolves when finished or aborted;
 * rejects with the last error when it cannot (re)connect.
 */
export async function followEvents(opts: FollowOptions): Promise<void> {
  const { signal, maxRetries = 6, retryDelayMs = (n) => Math.min(8000, 500 * 2 ** n) } = opts;
  const parser = new SSEParser();
  let finished = false;
  let attempt = 0;
  const handle = (e: SSEEvent) => {
    const event = decode(e);
    if (TERMINAL.has(event.type)) finished = true;
    attempt = 0;
    opts.onEvent(event);
  };
  let connect: Promise<Response> | null = opts.open(signal);
  for (;;) {
    try {
      if (!connect) throw new ApiError(0, 'network_error', 'Connection lost');
      const res = await connect;
      await readSSE(res.body!, handle, parser);
    } catch (err) {
      if (signal.aborted || finished) return;
      if (err instanceof NotStarted) throw err;
      const retriable = !(err instanceof ApiError) || err.status === 0 || err.status >= 500;
      if (!retriable || attempt >= maxRetries) throw err;
    }
    if (signal.aborted || finished) return;
    opts.onReconnecting?.(attempt + 1);
    await sleep(retryDelayMs(attempt), signal);
    attempt += 1;
    if (signal.aborted) return;
    parser.reset();
    connect = opts.reopen(parser.lastEventId, signal);
  }
}
