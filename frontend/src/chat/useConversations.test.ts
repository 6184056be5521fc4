/**
 * Races between conversation-list loads and local changes, replayed deterministically: the real
 * API client runs against a fetch whose answers the test releases one by one, in any order.
 */
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationPublic } from '../api/types';
import { conversationFixture } from '../test/fixtures';
import { useConversations } from './useConversations';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

interface PendingCall {
  method: string;
  url: string;
  body: unknown;
  answer: (status: number, json: unknown) => Promise<void>;
}

let calls: PendingCall[] = [];

/** The oldest unanswered request matching method and URL. */
function pending(method: string, url: RegExp): PendingCall {
  const call = calls.find((c) => c.method === method && url.test(c.url));
  if (!call) throw new Error(`no pending ${method} ${url}; pending: ${calls.map((c) => `${c.method} ${c.url}`).join(', ')}`);
  calls = calls.filter((c) => c !== call);
  return call;
}

function stubFetch() {
  vi.stubGlobal('fetch', (url: string, init: RequestInit = {}) =>
    new Promise<Response>((resolve) => {
      calls.push({
        method: init.method ?? 'GET',
        url,
        body: init.body ? JSON.parse(String(init.body)) : undefined,
        answer: (status, json) =>
          act(async () => {
            resolve(new Response(JSON.stringify(json), { status, headers: { 'Content-Type': 'application/json' } }));
          }),
      });
    }),
  );
}

const conv = (id: number, title: string, extra: Partial<ConversationPublic> = {}): ConversationPublic =>
  conversationFixture({ id, title, model: 'm1', ...extra });
const page = (...items: ConversationPublic[]) => ({ items, total: items.length, limit: 100, offset: 0 });
const LIST = /\/conversations\?/;
const ONE = /\/conversations\/1$/;

type Hook = ReturnType<typeof useConversations>;
let hook: Hook;
let root: Root;

function Probe() {
  hook = useConversations(1, '');
  return null;
}

const titles = () => Object.fromEntries(hook.items.map((c) => [c.id, c.title]));

/** Mounts the hook and answers its first list load with conversation 1 ("Old"). */
async function mountWithList() {
  root = createRoot(document.createElement('div'));
  await act(async () => root.render(createElement(Probe)));
  await act(async () => vi.runAllTimers());
  await pending('GET', LIST).answer(200, page(conv(1, 'Old')));
  expect(titles()).toEqual({ 1: 'Old' });
}

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  calls = [];
  stubFetch();
});

afterEach(() => {
  act(() => root.unmount());
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('useConversations races', () => {
  it('an older list answer landing after a rename keeps the new title and the rest of that answer', async () => {
    await mountWithList();
    // A stream finished: the list is reloaded, and the server answers from before the rename.
    let reloaded!: Promise<void>;
    act(() => void (reloaded = hook.reload()));
    const staleList = pending('GET', LIST);
    let renamed!: Promise<ConversationPublic>;
    act(() => void (renamed = hook.update(1, { title: 'New' })));
    await pending('PATCH', ONE).answer(200, conv(1, 'New', { updated_at: '2026-01-02T00:00:00Z' }));
    await renamed;
    await staleList.answer(200, page(conv(2, 'Auto-titled elsewhere'), conv(1, 'Old')));
    await reloaded;
    expect(titles()).toEqual({ 1: 'New', 2: 'Auto-titled elsewhere' });
  });

  it('shows the rename at once, and an older list answer does not revert it while the PATCH is in flight', async () => {
    await mountWithList();
    act(() => void hook.reload());
    const staleList = pending('GET', LIST);
    let renamed!: Promise<ConversationPublic>;
    act(() => void (renamed = hook.update(1, { title: 'New' })));
    expect(titles()).toEqual({ 1: 'New' });
    await staleList.answer(200, page(conv(1, 'Old')));
    expect(titles()).toEqual({ 1: 'New' });
    await pending('PATCH', ONE).answer(200, conv(1, 'New'));
    await renamed;
    expect(titles()).toEqual({ 1: 'New' });
  });

  it('a list load started after the rename was saved is taken as it is', async () => {
    await mountWithList();
    let renamed!: Promise<ConversationPublic>;
    act(() => void (renamed = hook.update(1, { title: 'New' })));
    await pending('PATCH', ONE).answer(200, conv(1, 'New'));
    await renamed;
    act(() => void hook.reload());
    // Renamed again in another tab: the server's newer title wins over the local one.
    await pending('GET', LIST).answer(200, page(conv(1, 'Newer')));
    expect(titles()).toEqual({ 1: 'Newer' });
  });

  it('a failed rename puts the old title back', async () => {
    await mountWithList();
    let renamed!: Promise<ConversationPublic>;
    act(() => void (renamed = hook.update(1, { title: 'New' })));
    const failed = expect(renamed).rejects.toThrow('database is busy');
    await pending('PATCH', ONE).answer(503, { error: { code: 'unavailable', message: 'database is busy' } });
    await failed;
    expect(titles()).toEqual({ 1: 'Old' });
  });

  it('PATCH answers arriving out of order do not undo each other', async () => {
    await mountWithList();
    let first!: Promise<ConversationPublic>;
    let second!: Promise<ConversationPublic>;
    act(() => void (first = hook.update(1, { title: 'New' })));
    act(() => void (second = hook.update(1, { model: 'm2' })));
    const rename = pending('PATCH', ONE);
    const switchModel = pending('PATCH', ONE);
    // The server applied the rename first; its answer (still the old model) arrives last.
    await switchModel.answer(200, conv(1, 'New', { model: 'm2' }));
    await rename.answer(200, conv(1, 'New', { model: 'm1' }));
    await Promise.all([first, second]);
    expect(hook.items[0]).toMatchObject({ title: 'New', model: 'm2' });
  });

  it('a list answer older than another one already shown is dropped', async () => {
    await mountWithList();
    act(() => void hook.reload());
    act(() => void hook.reload());
    const older = pending('GET', LIST);
    await pending('GET', LIST).answer(200, page(conv(1, 'Newer')));
    await older.answer(200, page(conv(1, 'Old')));
    expect(titles()).toEqual({ 1: 'Newer' });
  });
});
