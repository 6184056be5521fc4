import { messages as messagesApi } from '../api/client';
import { followEvents, NotStarted, type JobEvent } from '../api/events';
import { ApiError } from '../api/http';
import type { Citation, MessagePublic, SendMessageBody, StatusEventData, ToolStep } from '../api/types';
import { Store } from '../common/store';
import { localMessage } from './conversationStore';
import { addToOutbox, nextWaiting, outboxStore, removeFromOutbox, updateOutbox, type OutboxItem } from './outbox';

/** Everything the UI shows about an answer being generated, derived only from its events. */
export interface LiveStream {
  conversationId: number;
  /** Content of the user turn sent (absent for a regenerate). */
  userContent?: string;
  /** Parent of the new user turn (send) or of the new answer (regenerate). */
  parentId: number | null;
  userMessageId?: number;
  assistantMessageId?: number;
  model?: string;
  state: string;
  queuePosition?: number;
  /** While queued: why the answer is not starting (no generation worker is running), from the server. */
  queueMessage?: string;
  text: string;
  tokenCount: number;
  firstTokenAt?: number;
  tokensPerS?: number;
  citations: Citation[];
  tools: ToolStep[];
  error?: { code: string; message: string };
  active: boolean;
  final?: MessagePublic;
  reconnectAttempt?: number;
  /** Highest event seq applied: replayed events at or below it are ignored. */
  lastSeq?: number;
  /** The outbox entry of the question being sent, until the server accepts it. */
  outboxKey?: string;
}

/** Live streams keyed by conversation id: a stream belongs to its conversation, not to the view. */
export const streamStore = new Store<Record<number, LiveStream>>({});
const controllers = new Map<number, AbortController>();

function update(conversationId: number, fn: (s: LiveStream) => LiveStream): void {
  streamStore.set((all) => (all[conversationId] ? { ...all, [conversationId]: fn(all[conversationId]) } : all));
}

/** Pure reducer: applies one SSE event to a stream's state. */
export function applyEvent(s: LiveStream, e: JobEvent, now: number): LiveStream {
  const seq = e.seq !== null && /^\d+$/.test(e.seq) ? Number(e.seq) : undefined;
  if (seq !== undefined) {
    if (s.lastSeq !== undefined && seq <= s.lastSeq) return s;
    s = { ...s, lastSeq: seq };
  }
  switch (e.type) {
    case 'status': {
      const d = e.data as StatusEventData;
      const state = d.state ?? s.state;
      return {
        ...s,
        state,
        queuePosition: d.queue_position ?? undefined,
        queueMessage: state === 'queued' ? d.message : undefined,
        model: d.model ?? s.model,
        userMessageId: d.user_message_id ?? s.userMessageId,
        assistantMessageId: d.assistant_message_id ?? s.assistantMessageId,
        reconnectAttempt: undefined,
      };
    }
    case 'token': {
      const firstTokenAt = s.firstTokenAt ?? now;
      const tokenCount = s.tokenCount + 1;
      const elapsed = (now - firstTokenAt) / 1000;
      return {
        ...s,
        state: 'generating',
        queueMessage: undefined,
        text: s.text + (e.data as { text: string }).text,
        tokenCount,
        firstTokenAt,
        tokensPerS: elapsed > 0.25 ? (tokenCount - 1) / elapsed : s.tokensPerS,
        reconnectAttempt: undefined,
      };
    }
    case 'citations':
      return { ...s, citations: (e.data as { citations: Citation[] }).citations ?? [] };
    case 'tool':
      return { ...s, tools: [...s.tools, e.data as ToolStep] };
    case 'done': {
      const final = (e.data as { message?: MessagePublic }).message;
      return {
        ...s,
        active: false,
        state: final?.status ?? 'done',
        final,
        text: final?.content ?? s.text,
        tokensPerS: final?.tokens_per_s ?? s.tokensPerS,
        citations: final?.citations ?? s.citations,
        tools: final?.tool_trace ?? s.tools,
      };
    }
    case 'error':
      return { ...s, active: false, state: 'failed', error: e.data as { code: string; message: string } };
    default:
      return s;
  }
}

/** Server messages plus the live turn (optimistic user message and the answer so far). */
export function withLive(messages: MessagePublic[], s: LiveStream | undefined): MessagePublic[] {
  if (!s) return messages;
  const out = [...messages];
  const created_at = new Date().toISOString();
  const put = (m: MessagePublic) => {
    const i = out.findIndex((x) => x.id === m.id);
    if (i >= 0) out[i] = m;
    else out.push(m);
  };
  let answerParent = s.parentId;
  if (s.userContent !== undefined) {
    const id = s.userMessageId ?? -2;
    const saved = out.find((x) => x.id === id);
    if (!saved)
      put(localMessage({ id, conversation_id: s.conversationId, parent_id: s.parentId, role: 'user', content: s.userContent, status: 'done', created_at }));
    answerParent = id;
  }
  if (s.final) {
    put(s.final);
    return out;
  }
  put(localMessage({
    id: s.assistantMessageId ?? -1,
    conversation_id: s.conversationId,
    parent_id: answerParent,
    role: 'assistant',
    content: s.text,
    status: s.active ? 'streaming' : s.error ? 'failed' : 'cancelled',
    model: s.model ?? null,
    error: s.error?.message ?? null,
    citations: s.citations,
    tool_trace: s.tools,
    created_at,
  }));
  return out;
}

function run(conversationId: number, initial: LiveStream, open: (signal: AbortSignal) => Promise<Response>): void {
  controllers.get(conversationId)?.abort();
  const controller = new AbortController();
  controllers.set(conversationId, controller);
  streamStore.set((all) => ({ ...all, [conversationId]: initial }));
  followEvents({
    open,
    reopen: (lastEventId, signal) => {
      const id = streamStore.get()[conversationId]?.assistantMessageId;
      return id ? messagesApi.events(id, lastEventId, signal) : null;
    },
    onEvent: (e) => update(conversationId, (s) => applyEvent(s, e, performance.now())),
    onReconnecting: (attempt) => update(conversationId, (s) => ({ ...s, reconnectAttempt: attempt })),
    signal: controller.signal,
  })
    .catch((err: Error & { code?: string }) => {
      if (err instanceof NotStarted && initial.outboxKey) return keepUnsent(conversationId, initial.outboxKey, err.reason);
      update(conversationId, (s) => ({
        ...s,
        active: false,
        state: 'failed',
        error: { code: err.code ?? 'network_error', message: err.message },
      }));
    })
    .finally(() => {
      if (controllers.get(conversationId) === controller) controllers.delete(conversationId);
      if (initial.outboxKey && outboxStore.get().some((i) => i.key === initial.outboxKey && i.state === 'sending'))
        updateOutbox(initial.outboxKey, { state: 'failed', maybeSent: true, error: { status: 0, code: 'stopped', message: 'Stopped before the server confirmed it' } });
      update(conversationId, (s) => (s.active ? { ...s, active: false, state: 'cancelled' } : s));
    });
}

const base = { state: 'queued', text: '', tokenCount: 0, citations: [], tools: [], active: true };

/**
 * Sends a user turn through the outbox, which keeps it (across reloads) until the server accepts it. The
 * server appends it after the conversation's newest message, so `parentId` (that message) is only used to
 * show the turn optimistically in the right place.
 */
export function sendMessage(userId: number, conversationId: number, body: SendMessageBody, parentId: number | null): void {
  deliver(addToOutbox({ userId, conversationId, body, parentId }));
}

/** Sends (again) a question from the outbox. */
export function deliver(item: OutboxItem): void {
  const { conversationId, body } = item;
  updateOutbox(item.key, { state: 'sending', error: undefined });
  const initial = { ...base, conversationId, userContent: body.content, parentId: item.parentId, model: body.model ?? undefined, outboxKey: item.key };
  run(conversationId, initial, async (signal) => {
    try {
      const res = await messagesApi.send(conversationId, body, signal);
      removeFromOutbox(item.key);
      return res;
    } catch (err) {
      throw new NotStarted(err);
    }
  });
}

/** No network: waits in the outbox and goes out by itself; refused by the server: waits for Retry, saying why. */
function keepUnsent(conversationId: number, key: string, reason: unknown): void {
  const status = reason instanceof ApiError ? reason.status : 0;
  if (status === 0) updateOutbox(key, { state: 'waiting', error: undefined });
  else updateOutbox(key, { state: 'failed', error: { status, code: (reason as ApiError).code, message: (reason as ApiError).message } });
  streamStore.set(({ [conversationId]: _drop, ...rest }) => rest);
}

/** Sends the oldest waiting question of each conversation that is not answering right now. */
export function flushOutbox(userId: number): void {
  if (!navigator.onLine) return;
  for (const item of nextWaiting(outboxStore.get(), userId)) if (!streamStore.get()[item.conversationId]?.active) deliver(item);
}

export function regenerate(conversationId: number, assistant: MessagePublic, model?: string): void {
  run(conversationId, { ...base, conversationId, parentId: assistant.parent_id, model }, (signal) =>
    messagesApi.regenerate(assistant.id, { model }, signal),
  );
}

/** Re-attaches to an answer still being generated (e.g. after a page reload): replays its events. */
export function resume(conversationId: number, assistant: MessagePublic): void {
  if (streamStore.get()[conversationId]?.active) return;
  run(conversationId, { ...base, conversationId, parentId: assistant.parent_id, assistantMessageId: assistant.id }, (signal) =>
    messagesApi.events(assistant.id, null, signal),
  );
}

/** Asks the server to stop; the UI changes only when the `done`/`error` event arrives. */
export async function stop(conversationId: number): Promise<void> {
  const id = streamStore.get()[conversationId]?.assistantMessageId;
  if (id) await messagesApi.stop(id);
  else controllers.get(conversationId)?.abort();
}

/** Forgets a finished stream once the server's copy of the conversation includes it. */
export function clearStream(conversationId: number): void {
  streamStore.set((all) => {
    if (!all[conversationId] || all[conversationId].active) return all;
    const { [conversationId]: _drop, ...rest } = all;
    return rest;
  });
}
