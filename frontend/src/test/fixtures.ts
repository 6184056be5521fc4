/** Complete API objects for unit tests: every field the schema requires, overridable. */
import type { ConversationPublic, FinetuneJob } from '../api/types';

export const conversationFixture = (fields: Partial<ConversationPublic> & { id: number }): ConversationPublic => ({
  title: `c${fields.id}`,
  model: null,
  system_prompt: null,
  temperature: null,
  top_p: null,
  max_tokens: null,
  knowledge_base_ids: [],
  planner: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: fields.created_at ?? '2026-01-01T00:00:00Z',
  ...fields,
});

export const jobFixture = (fields: Partial<FinetuneJob> & { id: number }): FinetuneJob => ({
  owner_id: 1,
  dataset_id: 3,
  dataset_name: 'facts.jsonl',
  base_model: 'tiny',
  method: 'lora',
  config: {},
  status: 'queued',
  error: null,
  progress: {},
  metrics: {},
  adapter_name: null,
  model_id: null,
  queue_position: null,
  queue_message: null,
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  ...fields,
});
