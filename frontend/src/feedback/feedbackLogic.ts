/** Pure helpers of the feedback UI: the per-conversation rating cache, review counts and the hand-off to
 * the fine-tuning form. */
import type { Feedback, FeedbackSample, FinetuneMethod as MaybeMethod, PublishedDatasets } from '../api/types';

type FinetuneMethod = NonNullable<MaybeMethod>;

/** The question a sample or a rating answers: the last user turn of its prompt. */
export function questionOf(prompt: Array<Record<string, string>>): string {
  for (let i = prompt.length - 1; i >= 0; i--) if (prompt[i].role === 'user') return prompt[i].content ?? '';
  return '';
}

/** Ratings of one conversation by answer id. */
export function byMessage(items: Feedback[]): Map<number, Feedback> {
  return new Map(items.map((f) => [f.message_id, f]));
}

export interface ReviewCounts {
  train: number;
  held_out: number;
  preference: number;
}

/** What publishing would produce from the samples as they are now (the server counts the same way). */
export function reviewCounts(samples: Pick<FeedbackSample, 'kind' | 'held_out'>[]): ReviewCounts {
  const counts = { train: 0, held_out: 0, preference: 0 };
  for (const s of samples) {
    if (s.kind === 'preference') counts.preference++;
    else if (s.held_out) counts.held_out++;
    else counts.train++;
  }
  return counts;
}

/** Fine-tuning form values handed over in the URL (`/finetune?dataset=..&eval=..&method=..`). */
export interface JobPrefill {
  dataset_id?: number;
  eval_dataset_id?: number;
  method?: FinetuneMethod;
}

const METHODS: FinetuneMethod[] = ['lora', 'qlora', 'dpo'];

/** The fine-tuning page's URL with the published datasets preselected; DPO for preference pairs. */
export function finetuneLink(published: PublishedDatasets, format: 'chat' | 'dpo'): string {
  const qs = new URLSearchParams({ dataset: String(published.train.id) });
  if (published.held_out) qs.set('eval', String(published.held_out.id));
  if (format === 'dpo') qs.set('method', 'dpo');
  return `/finetune?${qs}`;
}

/** Reads finetuneLink's parameters back; anything malformed is left out. */
export function readPrefill(params: URLSearchParams): JobPrefill {
  const id = (name: string) => {
    const n = Number(params.get(name));
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const method = params.get('method') as FinetuneMethod | null;
  const prefill: JobPrefill = {};
  if (id('dataset')) prefill.dataset_id = id('dataset');
  if (id('eval')) prefill.eval_dataset_id = id('eval');
  if (method && METHODS.includes(method)) prefill.method = method;
  return prefill;
}
