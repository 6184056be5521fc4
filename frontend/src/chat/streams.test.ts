import { describe, expect, it } from 'vitest';
import { applyEvent, type LiveStream } from './streams';

const start: LiveStream = {
  conversationId: 1,
  parentId: null,
  state: 'queued',
  text: '',
  tokenCount: 0,
  citations: [],
  tools: [],
  active: true,
};

describe('applyEvent', () => {
  it('derives status, text, speed and the final message from events only', () => {
    let s = applyEvent(start, { seq: '1', type: 'status', data: { state: 'queued', queue_position: 2, user_message_id: 10, assistant_message_id: 11 } }, 0);
    expect(s).toMatchObject({ state: 'queued', queuePosition: 2, userMessageId: 10, assistantMessageId: 11 });
    s = applyEvent(s, { seq: '2', type: 'token', data: { text: 'Hel' } }, 1000);
    s = applyEvent(s, { seq: '3', type: 'token', data: { text: 'lo' } }, 1500);
    expect(s).toMatchObject({ state: 'generating', text: 'Hello', tokenCount: 2, tokensPerS: 2 });
    s = applyEvent(s, { seq: '4', type: 'citations', data: { citations: [{ n: 1, document_id: 1, document_name: 'a.pdf', page: 2, snippet: 'x' }] } }, 1600);
    expect(s.citations).toHaveLength(1);
    s = applyEvent(s, { seq: '5', type: 'done', data: { message: { id: 11, status: 'cancelled', content: 'Hello' } } }, 1700);
    expect(s).toMatchObject({ active: false, state: 'cancelled', text: 'Hello' });
  });

  it("keeps the queued status's no-worker message until the answer leaves the queue", () => {
    const message = 'No generation worker is running; start one with ./start_all.sh or `celery -A worker.celery_app worker -Q generation`.';
    let s = applyEvent(start, { seq: '1', type: 'status', data: { state: 'queued', user_message_id: 10, assistant_message_id: 11 } }, 0);
    expect(s.queueMessage).toBeUndefined();
    s = applyEvent(s, { seq: null, type: 'status', data: { state: 'queued', queue_position: 1, message } }, 10);
    expect(s).toMatchObject({ state: 'queued', queuePosition: 1, queueMessage: message });
    s = applyEvent(s, { seq: null, type: 'status', data: { state: 'queued', queue_position: null } }, 20);
    expect(s.queuePosition).toBeUndefined();
    expect(s.queueMessage).toBeUndefined();
    s = applyEvent(s, { seq: null, type: 'status', data: { state: 'queued', queue_position: 1, message } }, 30);
    s = applyEvent(s, { seq: '2', type: 'status', data: { state: 'loading_model', model: 'tiny' } }, 40);
    expect(s.queueMessage).toBeUndefined();
  });

  it('ignores events replayed at or below the last applied seq', () => {
    let s = applyEvent(start, { seq: '1', type: 'token', data: { text: 'a' } }, 0);
    s = applyEvent(s, { seq: '2', type: 'token', data: { text: 'b' } }, 10);
    s = applyEvent(s, { seq: '2', type: 'token', data: { text: 'b' } }, 20);
    s = applyEvent(s, { seq: null, type: 'status', data: { state: 'generating' } }, 30);
    s = applyEvent(s, { seq: '3', type: 'token', data: { text: 'c' } }, 40);
    expect(s.text).toBe('abc');
  });

  it('marks errors as failed and inactive', () => {
    const s = applyEvent(start, { seq: '1', type: 'error', data: { code: 'oom', message: 'out of memory' } }, 0);
    expect(s).toMatchObject({ active: false, state: 'failed', error: { code: 'oom' } });
  });
});
