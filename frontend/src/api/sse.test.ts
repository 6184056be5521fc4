import { describe, expect, it } from 'vitest';
import { readSSE, SSEParser } from './sse';
import type { SSEEvent } from './types';

function feedAll(chunks: string[]): { events: SSEEvent[]; parser: SSEParser } {
  const parser = new SSEParser();
  const events = chunks.flatMap((c) => parser.feed(c));
  return { events, parser };
}

describe('SSEParser', () => {
  it('parses id, event and data', () => {
    const { events } = feedAll(['id: 1\nevent: token\ndata: {"text":"Hi"}\n\n']);
    expect(events).toEqual([{ id: '1', event: 'token', data: '{"text":"Hi"}' }]);
  });

  it('handles chunks split mid-event and mid-line', () => {
    const stream = 'id: 1\nevent: token\ndata: {"text":"Hel"}\n\nid: 2\nevent: token\ndata: {"text":"lo"}\n\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const { events } = feedAll([stream.slice(0, cut), stream.slice(cut)]);
      expect(events.map((e) => e.data)).toEqual(['{"text":"Hel"}', '{"text":"lo"}']);
    }
    const oneByOne = feedAll([...stream]);
    expect(oneByOne.events.map((e) => e.id)).toEqual(['1', '2']);
  });

  it('joins multi-line data with newlines', () => {
    const { events } = feedAll(['data: line one\ndata: line two\ndata:\ndata:  indented\n\n']);
    expect(events[0].data).toBe('line one\nline two\n\n indented');
    expect(events[0].event).toBe('message');
  });

  it('ignores comment / heartbeat lines', () => {
    const { events } = feedAll([': ping\n\n', 'event: status\n: ping\ndata: {}\n\n', ':\n\n']);
    expect(events).toEqual([{ id: null, event: 'status', data: '{}' }]);
  });

  it('tracks the last event id across events', () => {
    const { events, parser } = feedAll(['id: 7\ndata: a\n\n', 'data: b\n\n', 'id: 9\ndata: c\n\n']);
    expect(events.map((e) => e.id)).toEqual(['7', null, '9']);
    expect(parser.lastEventId).toBe('9');
  });

  it('accepts CRLF and CR line endings, also CRLF split across chunks', () => {
    const crlf = feedAll(['id: 1\r\nevent: token\r\ndata: x\r', '\n\r', '\nid: 2\rdata: y\r\r']);
    expect(crlf.events).toEqual([
      { id: '1', event: 'token', data: 'x' },
      { id: '2', event: 'message', data: 'y' },
    ]);
  });

  it('does not dispatch events without data and resets after reconnect', () => {
    const parser = new SSEParser();
    expect(parser.feed('id: 3\nevent: token\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('3');
    parser.feed('id: 4\ndata: half');
    expect(parser.lastEventId).toBe('3');
    parser.reset();
    expect(parser.feed('id: 5\ndata: whole\n\n')).toEqual([{ id: '5', event: 'message', data: 'whole' }]);
  });

  it('reads a ReadableStream of bytes split inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('data: 你好\n\ndata: tail-without-blank-line');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 7));
        c.enqueue(bytes.slice(7));
        c.close();
      },
    });
    const got: string[] = [];
    await readSSE(body, (e) => got.push(e.data));
    expect(got).toEqual(['你好']);
  });
});
