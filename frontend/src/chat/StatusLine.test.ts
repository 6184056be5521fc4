import { describe, expect, it } from 'vitest';
import { translate, type Translate } from '../i18n';
import { statusLine } from './StatusLine';
import { applyEvent, type LiveStream } from './streams';

const start: LiveStream = { conversationId: 1, parentId: null, state: 'queued', text: '', tokenCount: 0, citations: [], tools: [], active: true };
const en: Translate = (key, vars) => translate('en', key, vars);
const NO_WORKER = 'No generation worker is running; start one with ./start_all.sh or `celery -A worker.celery_app worker -Q generation`.';

describe('statusLine', () => {
  it("shows the queue position and the server's reason a queued answer is not starting", () => {
    const s = applyEvent(start, { seq: null, type: 'status', data: { state: 'queued', queue_position: 2, message: NO_WORKER } }, 0);
    expect(statusLine(s, en)).toEqual({ text: 'Queued at position 2', warning: NO_WORKER });
  });

  it('has no warning while a worker consumes the queue or once generation started', () => {
    let s = applyEvent(start, { seq: null, type: 'status', data: { state: 'queued', queue_position: 1 } }, 0);
    expect(statusLine(s, en)).toEqual({ text: 'Queued at position 1', warning: undefined });
    s = applyEvent(s, { seq: '1', type: 'token', data: { text: 'Hi' } }, 10);
    expect(statusLine(s, en)).toEqual({ text: 'Generating' });
  });

  it('says it is reconnecting rather than repeat a stale queue message', () => {
    const s = applyEvent(start, { seq: null, type: 'status', data: { state: 'queued', message: NO_WORKER } }, 0);
    expect(statusLine({ ...s, reconnectAttempt: 2 }, en)).toEqual({ text: 'Connection lost — reconnecting (attempt 2)…' });
  });
});
