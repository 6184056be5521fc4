/** Pure helpers for the conversation list and the message tree (tested in conversationStore.test.ts). */
import type { ConversationPublic, ConversationUpdate, MessagePublic } from '../api/types';

export type DateGroup = 'today' | 'yesterday' | 'week' | 'older';

const DAY = 86_400_000;

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function groupByDate(
  list: ConversationPublic[],
  now: Date = new Date(),
): Array<{ group: DateGroup; items: ConversationPublic[] }> {
  const today = startOfDay(now);
  const groups: Record<DateGroup, ConversationPublic[]> = { today: [], yesterday: [], week: [], older: [] };
  const stamp = (c: ConversationPublic) => new Date(c.updated_at ?? c.created_at).getTime();
  for (const c of [...list].sort((a, b) => stamp(b) - stamp(a))) {
    const t = stamp(c);
    const g: DateGroup = t >= today ? 'today' : t >= today - DAY ? 'yesterday' : t >= today - 7 * DAY ? 'week' : 'older';
    groups[g].push(c);
  }
  return (Object.keys(groups) as DateGroup[]).filter((g) => groups[g].length).map((g) => ({ group: g, items: groups[g] }));
}

const CACHE_KEY = 'lm.conversations';
const CACHE_LIMIT = 50;

/** Recent conversations for instant display; the server list replaces them as soon as it arrives. */
export function readCachedConversations(userId: number): ConversationPublic[] {
  try {
    const raw = JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null');
    return raw?.userId === userId && Array.isArray(raw.items) ? raw.items : [];
  } catch {
    return [];
  }
}

export function writeCachedConversations(userId: number, items: ConversationPublic[]): void {
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify({ userId, items: items.slice(0, CACHE_LIMIT) }));
  } catch {
    /* quota exceeded: the cache is only an optimisation */
  }
}

export function clearCachedConversations(): void {
  localStorage.removeItem(CACHE_KEY);
}

/**
 * List changes for the conversation Overlay: idempotent, because they are replayed on server
 * lists that may already contain them.
 */
export const withConversation = (c: ConversationPublic) => (list: ConversationPublic[]) => [
  c,
  ...list.filter((x) => x.id !== c.id),
];

export const withoutConversation = (id: number) => (list: ConversationPublic[]) => list.filter((x) => x.id !== id);

/** Sets only the given fields, so two changes to one conversation never undo each other. */
export const patchConversation = (id: number, fields: ConversationUpdate | Partial<ConversationPublic>) => (list: ConversationPublic[]) =>
  list.map((x) => (x.id === id ? { ...x, ...definedFields(fields) } : x));

/** In a PATCH, a null title or knowledge_base_ids means "unchanged"; every other null clears the setting. */
function definedFields(fields: ConversationUpdate | Partial<ConversationPublic>): Partial<ConversationPublic> {
  const { knowledge_base_ids, title, ...rest } = fields;
  return { ...rest, ...(knowledge_base_ids ? { knowledge_base_ids } : {}), ...(title ? { title } : {}) };
}

/** The fields a PATCH changed, as the server saved them (normalised), with its new updated_at. */
export function savedFields(saved: ConversationPublic, sent: ConversationUpdate): Partial<ConversationPublic> {
  const fields: Partial<ConversationPublic> = { updated_at: saved.updated_at };
  for (const key of Object.keys(sent) as Array<keyof ConversationUpdate>) Object.assign(fields, { [key]: saved[key] });
  return fields;
}

/** parent key -> chosen child id (set by ← → navigation). */
export type Selection = Record<string, number>;

const ROOT = 'root';

/** Negative ids are optimistic (not yet saved) and count as newest. */
const order = (m: MessagePublic) => (m.id < 0 ? Number.MAX_SAFE_INTEGER + m.id : m.id);

/**
 * Effective parent of each message. When the server does not link user messages to the answer
 * they follow (no user message has a parent_id), a user message is taken as a reply to the last
 * assistant message before it: a linear thread.
 */
function parentKeyOf(m: MessagePublic, sorted: MessagePublic[], linkedUsers: boolean): string {
  if (m.parent_id != null) return String(m.parent_id);
  if (m.role !== 'user' || linkedUsers) return ROOT;
  const previous = sorted.filter((x) => x.role === 'assistant' && order(x) < order(m)).pop();
  return previous ? String(previous.id) : ROOT;
}

export function childrenByParent(messages: MessagePublic[]): Map<string, MessagePublic[]> {
  const sorted = [...messages].filter((m) => m.role !== 'system').sort((a, b) => order(a) - order(b));
  const linkedUsers = sorted.some((m) => m.role === 'user' && m.parent_id != null);
  const map = new Map<string, MessagePublic[]>();
  for (const m of sorted) {
    const key = parentKeyOf(m, sorted, linkedUsers);
    map.set(key, [...(map.get(key) ?? []), m]);
  }
  return map;
}

/** The branch shown: from the root, the selected (default: newest) child at every level. */
export function activePath(messages: MessagePublic[], selection: Selection = {}): MessagePublic[] {
  const children = childrenByParent(messages);
  const path: MessagePublic[] = [];
  let key = ROOT;
  for (;;) {
    const kids = children.get(key);
    if (!kids?.length) return path;
    const chosen = kids.find((k) => k.id === selection[key]) ?? kids[kids.length - 1];
    path.push(chosen);
    key = String(chosen.id);
  }
}

export interface SiblingInfo {
  parentKey: string;
  index: number;
  count: number;
  prevId?: number;
  nextId?: number;
}

/** Position of a message among the messages sharing its parent (answers to one question, or edits). */
export function siblingInfo(messages: MessagePublic[], message: MessagePublic): SiblingInfo {
  const children = childrenByParent(messages);
  for (const [parentKey, kids] of children) {
    const index = kids.findIndex((k) => k.id === message.id);
    if (index >= 0)
      return { parentKey, index, count: kids.length, prevId: kids[index - 1]?.id, nextId: kids[index + 1]?.id };
  }
  return { parentKey: ROOT, index: 0, count: 1 };
}

/** A message the UI shows before the server has stored it (the question sent, the answer streaming). */
export const localMessage = (
  fields: Pick<MessagePublic, 'id' | 'conversation_id' | 'parent_id' | 'role' | 'content' | 'status'> & Partial<MessagePublic>,
): MessagePublic => ({
  model: null,
  prompt_tokens: null,
  completion_tokens: null,
  ttft_ms: null,
  tokens_per_s: null,
  latency_ms: null,
  error: null,
  citations: [],
  tool_trace: [],
  created_at: new Date().toISOString(),
  finished_at: null,
  ...fields,
});
