import { describe, expect, it, vi } from 'vitest';
import { followEvents, type JobEvent } from './events';

function body(chunks: string[], failAtEnd = false): Response {
  const encoder = new TextEncoder();
  const queue = [...chunks];
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        const next = queue.shift();
        if (next !== undefined) c.enqueue(encoder.encode(next));
        else if (failAtEnd) c.error(new TypeError('network error'));
        else c.close();
      },
    }),
  );
}

describe('followEvents', () => {
  it('reconnects after a drop with Last-Event-ID and stops at done', async () => {
    const events: JobEvent[] = [];
    const reopen = vi.fn((lastEventId: string | null) => {
      expect(lastEventId).toBe('2');
      return Promise.resolve(body(['id: 3\nevent: token\ndata: {"text":"c"}\n\n', 'id: 4\nevent: done\ndata: {}\n\n', ': ping\n\n']));
    });
    await followEvents({
      // the drop happens in the middle of event 3: it must be discarded, then replayed
      open: () => Promise.resolve(body(['id: 1\nevent: token\ndata: {"text":"a"}\n\nid: 2\nevent: token\ndata: {"text":"b"}\n\n', 'id: 3\nevent: tok'], true)),
      reopen,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
      retryDelayMs: () => 0,
    });
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      ['1', 'token'],
      ['2', 'token'],
      ['3', 'token'],
      ['4', 'done'],
    ]);
    expect(reopen).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxRetries and rejects', async () => {
    const reopen = vi.fn(() => Promise.reject(new TypeError('offline')));
    await expect(
      followEvents({
        open: () => Promise.reject(new TypeError('offline')),
        reopen,
        onEvent: () => undefined,
        signal: new AbortController().signal,
        maxRetries: 2,
        retryDelayMs: () => 0,
      }),
    ).rejects.toThrow('offline');
    expect(reopen).toHaveBeenCalledTimes(2);
  });

  it('does not retry client errors such as 404', async () => {
    const { ApiError } = await import('./http');
    const reopen = vi.fn();
    await expect(
      followEvents({
        open: () => Promise.reject(new ApiError(404, 'not_found', 'Not found')),
        reopen,
        onEvent: () => undefined,
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(reopen).not.toHaveBeenCalled();
  });
});
