import { describe, expect, it } from 'vitest';
import type { Dataset, PublishedDatasets } from '../api/types';
import { finetuneLink, questionOf, readPrefill, reviewCounts } from './feedbackLogic';

const dataset = (id: number) => ({ id }) as Dataset;

describe('feedback helpers', () => {
  it('finds the question: the last user turn, after a system prompt and earlier turns', () => {
    const prompt = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer' },
      { role: 'user', content: 'second' },
    ];
    expect(questionOf(prompt)).toBe('second');
    expect(questionOf([{ role: 'system', content: 'only' }])).toBe('');
  });

  it('counts what publishing would produce: held-out pairs apart, preference pairs apart', () => {
    const counts = reviewCounts([
      { kind: 'sft', held_out: false },
      { kind: 'sft', held_out: true },
      { kind: 'sft', held_out: false },
      { kind: 'preference', held_out: false },
    ]);
    expect(counts).toEqual({ train: 2, held_out: 1, preference: 1 });
  });

  it('hands published datasets to the fine-tuning form and reads them back', () => {
    const published = { train: dataset(7), held_out: dataset(8) } as PublishedDatasets;
    const link = finetuneLink(published, 'chat');
    expect(link).toBe('/finetune?dataset=7&eval=8');
    expect(readPrefill(new URL(link, 'http://x').searchParams)).toEqual({ dataset_id: 7, eval_dataset_id: 8 });
    const dpo = finetuneLink({ train: dataset(9), held_out: null } as PublishedDatasets, 'dpo');
    expect(readPrefill(new URL(dpo, 'http://x').searchParams)).toEqual({ dataset_id: 9, method: 'dpo' });
  });

  it('ignores malformed prefill parameters', () => {
    expect(readPrefill(new URLSearchParams('dataset=abc&eval=-3&method=full'))).toEqual({});
    expect(readPrefill(new URLSearchParams('dataset=2.5'))).toEqual({});
  });
});
