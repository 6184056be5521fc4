import { feedback } from '../api/client';
import type { Feedback } from '../api/types';
import { byMessage } from './feedbackLogic';

const FRESH_MS = 15_000;
const MAX_LISTED = 200;

/** One GET /feedback?conversation_id= per conversation for all its answers (not one request per answer);
 * reused while fresh, updated in place when the user rates. */
const cache = new Map<number, { at: number; ratings: Promise<Map<number, Feedback>> }>();

export function conversationRatings(conversationId: number): Promise<Map<number, Feedback>> {
  const hit = cache.get(conversationId);
  if (hit && Date.now() - hit.at < FRESH_MS) return hit.ratings;
  const ratings = feedback.list({ conversationId, limit: MAX_LISTED }).then((page) => byMessage(page.items));
  ratings.catch(() => cache.delete(conversationId));
  cache.set(conversationId, { at: Date.now(), ratings });
  return ratings;
}

/** Record the user's new rating (or its removal) for answers that mount later. */
export function rememberRating(conversationId: number, messageId: number, rating: Feedback | null): void {
  const hit = cache.get(conversationId);
  if (!hit) return;
  void hit.ratings.then((map) => (rating ? map.set(messageId, rating) : map.delete(messageId))).catch(() => {});
}
