import { beforeEach, describe, expect, it } from 'vitest';
import type { ConversationPublic, MessagePublic } from '../api/types';
import {
  activePath,
  groupByDate,
  localMessage,
  patchConversation,
  readCachedConversations,
  savedFields,
  siblingInfo,
  withConversation,
  withoutConversation,
  writeCachedConversations,
} from './conversationStore';
import { conversationFixture } from '../test/fixtures';

const conv = (id: number, at: Date): ConversationPublic => conversationFixture({ id, created_at: at.toISOString() });

const msg = (id: number, role: 'user' | 'assistant', parent_id: number | null): MessagePublic =>
  localMessage({ id, conversation_id: 1, parent_id, role, content: `m${id}`, status: 'done', created_at: '2026-01-01T00:00:00Z' });

describe('groupByDate', () => {
  const now = new Date(2026, 10, 21, 12, 0, 0);
  const at = (days: number, hours = 0) => new Date(2026, 10, 21 - days, 12 - hours);

  it('buckets into Today / Yesterday / Previous 7 days / Older, newest first', () => {
    const groups = groupByDate(
      [conv(1, at(0, 11)), conv(2, at(1)), conv(3, at(3)), conv(4, at(30)), conv(5, at(0)), conv(6, at(7, -1))],
      now,
    );
    expect(groups.map((g) => [g.group, g.items.map((c) => c.id)])).toEqual([
      ['today', [5, 1]],
      ['yesterday', [2]],
      ['week', [3, 6]],
      ['older', [4]],
    ]);
  });

  it('uses updated_at when present and omits empty groups', () => {
    const old = { ...conv(1, at(40)), updated_at: at(0).toISOString() };
    expect(groupByDate([old], now)).toEqual([{ group: 'today', items: [old] }]);
    expect(groupByDate([], now)).toEqual([]);
  });
});

describe('conversation cache', () => {
  beforeEach(() => localStorage.clear());

  it('round-trips per user and caps the size', () => {
    const many = Array.from({ length: 80 }, (_, i) => conv(i, new Date()));
    writeCachedConversations(7, many);
    expect(readCachedConversations(7)).toHaveLength(50);
    expect(readCachedConversations(8)).toEqual([]);
  });

  it('survives garbage in localStorage', () => {
    localStorage.setItem('lm.conversations', '{not json');
    expect(readCachedConversations(1)).toEqual([]);
  });
});

describe('conversation list changes', () => {
  const at = new Date(2026, 0, 1);
  const list = [conv(1, at), conv(2, at)];

  it('are idempotent, since they are replayed on lists that may already contain them', () => {
    const created = conv(3, at);
    for (const change of [withConversation(created), withoutConversation(2), patchConversation(1, { title: 'x' })])
      expect(change(change(list))).toEqual(change(list));
    expect(withConversation(created)(list).map((c) => c.id)).toEqual([3, 1, 2]);
  });

  it('a saved PATCH sets only the fields it sent, as the server saved them', () => {
    const saved = { ...conv(1, at), title: 'Trimmed', model: 'other', updated_at: '2026-01-02T00:00:00Z' };
    expect(savedFields(saved, { title: ' Trimmed ' })).toEqual({ title: 'Trimmed', updated_at: '2026-01-02T00:00:00Z' });
  });
});

describe('message tree', () => {
  // 1 user → 2, 4 (regenerated answers) ; 2 → 3 user → 5 ; edit of 3 → 6 user → 7
  const messages = [
    msg(1, 'user', null),
    msg(2, 'assistant', 1),
    msg(3, 'user', 2),
    msg(4, 'assistant', 1),
    msg(5, 'assistant', 3),
    msg(6, 'user', 2),
    msg(7, 'assistant', 6),
  ];

  it('follows the newest sibling by default', () => {
    expect(activePath(messages).map((m) => m.id)).toEqual([1, 4]);
  });

  it('follows the selected sibling at each level', () => {
    expect(activePath(messages, { '1': 2 }).map((m) => m.id)).toEqual([1, 2, 6, 7]);
    expect(activePath(messages, { '1': 2, '2': 3 }).map((m) => m.id)).toEqual([1, 2, 3, 5]);
  });

  it('reports sibling position and neighbours', () => {
    expect(siblingInfo(messages, messages[1])).toEqual({ parentKey: '1', index: 0, count: 2, prevId: undefined, nextId: 4 });
    expect(siblingInfo(messages, messages[3])).toMatchObject({ index: 1, count: 2, prevId: 2 });
    expect(siblingInfo(messages, messages[5])).toMatchObject({ parentKey: '2', index: 1, count: 2 });
    expect(siblingInfo(messages, messages[4])).toMatchObject({ index: 0, count: 1 });
  });

  it('threads user messages without parent_id after the previous answer', () => {
    const linear = [msg(1, 'user', null), msg(2, 'assistant', 1), msg(3, 'user', null), msg(4, 'assistant', 3)];
    expect(activePath(linear).map((m) => m.id)).toEqual([1, 2, 3, 4]);
  });

  it('shows optimistic (negative id) messages as newest', () => {
    const live = [...messages.slice(0, 2), msg(-2, 'user', 2), msg(-1, 'assistant', -2)];
    expect(activePath(live).map((m) => m.id)).toEqual([1, 2, -2, -1]);
  });
});
