/**
 * The UI's API types. Request and response bodies come from the server's OpenAPI document
 * (generated/schema.ts, `scripts/gen_api_types.sh`; CI fails when it is stale). Only what the schema
 * publishes as free-form JSON (citations, tool steps, job progress, SSE event payloads) is typed here.
 */
import type { components } from './generated/schema';

type Schemas = components['schemas'];

export type TokenPair = Schemas['TokenPair'];
export type UserPublic = Schemas['UserPublic'];
export type Role = UserPublic['role'];
export type UserAdminUpdate = Schemas['UserAdminUpdate'];
export type ApiKey = Schemas['ApiKeyPublic'] & { key?: string };
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type QuotaUsage = Schemas['QuotaUsage'];

export interface Page<T> {
  items: T[];
  total: number;
}

export type ConversationPublic = Schemas['ConversationPublic'];
export type ConversationUpdate = Schemas['ConversationUpdate'];
export type Planner = NonNullable<ConversationPublic['planner']>;

export type MessageStatus = Schemas['MessagePublic']['status'];

/** One `[n]` source of an answer (MessagePublic.citations, the `citations` SSE event). */
export interface Citation {
  n: number;
  document_id: number;
  document_name: string;
  page: number | null;
  snippet: string;
  score?: number;
}

/** One agent tool call (MessagePublic.tool_trace, the `tool` SSE event). */
export interface ToolStep {
  name: string;
  arguments: unknown;
  result_preview: string;
  duration_ms: number;
  ok: boolean;
  error?: string | null;
  /** Figures the step drew (the python tool's matplotlib plots), base64 PNG. */
  images?: string[] | null;
}

export type MessagePublic = Omit<Schemas['MessagePublic'], 'citations' | 'tool_trace' | 'params'> & {
  citations: Citation[];
  tool_trace: ToolStep[];
  /** Generation settings asked for; `semantic_cache` says whether the answer was reused from an earlier one. */
  params?: { semantic_cache?: SemanticCacheRecord; [key: string]: unknown };
};

export interface SemanticCacheRecord {
  hit: boolean;
  distance?: number;
  source_message_id?: number;
}

export type ConversationDetail = Omit<Schemas['ConversationDetail'], 'messages'> & { messages: MessagePublic[] };

export type SendMessageBody = Omit<Schemas['MessageCreate'], 'stream'>;
export type RegenerateBody = Omit<Schemas['RegenerateRequest'], 'stream'>;
export type GenerationParams = Schemas['GenerationParamsIn'];

export type ModelInfo = Schemas['ModelPublic'];
/** POST /models: a registry entry (app/kernel/registry/spec.py). */
export type ModelSpec = Schemas['ModelSpec'];
export type ModelAction = Schemas['ModelAction'];

export type KnowledgeBase = Schemas['KnowledgeBasePublic'];
export type KnowledgeBaseCreate = Schemas['KnowledgeBaseCreate'];
export type KnowledgeBaseUpdate = Schemas['KnowledgeBaseUpdate'];
export type EmbeddingModel = Schemas['EmbeddingModelPublic'];
export type DocumentPublic = Schemas['DocumentPublic'];
export type DocumentStatus = DocumentPublic['status'];
export type SearchMode = NonNullable<Schemas['SearchRequest']['mode']>;
export type SearchHit = Schemas['SearchHit'];
export type SearchResponse = Schemas['SearchResponse'];

export interface DatasetError {
  line: number;
  message: string;
}

export type Dataset = Omit<Schemas['DatasetPublic'], 'errors' | 'token_stats'> & {
  errors?: DatasetError[];
  token_stats?: Record<string, number> | null;
};

export type FinetuneMethod = Schemas['FinetuneJobCreate']['method'];
export type FinetuneJobCreate = Schemas['FinetuneJobCreate'];
export type FinetuneStatus = Schemas['FinetuneJobPublic']['status'];

export interface LossPoint {
  step: number;
  loss: number;
}

export interface FinetuneProgress {
  step: number;
  total_steps: number;
  epoch: number;
  loss: number;
  learning_rate: number;
  tokens_per_s: number;
  eta_s: number;
}

export type FinetuneJob = Omit<Schemas['FinetuneJobPublic'], 'progress'> & {
  progress: Partial<FinetuneProgress>;
  loss_history?: LossPoint[];
};

/** One side of a job's `metrics.evaluation` (worker/training/evaluation.py): fractions of the samples. */
export interface EvaluationScores {
  exact: number;
  contains: number;
  judge?: number | null;
}

/** `metrics.evaluation` of a job with an evaluation set: base vs adapter, or why it could not be scored. */
export interface JobEvaluation {
  samples?: number;
  base?: EvaluationScores;
  adapter?: EvaluationScores;
  examples?: Array<{ prompt: string; expected: string; base: string; adapter: string }>;
  duration_s?: number;
  error?: string;
}

export type FinetuneMerge = Schemas['FinetuneMergePublic'];
export type MergeState = FinetuneMerge['state'];

export interface MergeProgress {
  stage: string;
  fraction: number;
}

export interface GpuStats {
  device: string;
  name?: string;
  memory_used_bytes: number;
  memory_total_bytes: number;
  utilization_percent: number | null;
  temperature_c?: number | null;
}

export type SystemResources = Omit<Schemas['SystemResources'], 'gpus'> & { gpus: GpuStats[]; flower_url?: string | null };

/** A parsed SSE event, before interpretation. */
export interface SSEEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface StatusEventData {
  state: string;
  /** While queued: place in the queue; null when the position is unknown. */
  queue_position?: number | null;
  /** While queued and no worker consumes the queue: why the job does not start. */
  message?: string;
  model?: string;
  user_message_id?: number;
  assistant_message_id?: number;
}

export type ApiErrorBody = Schemas['ErrorResponse'];

export type Feedback = Schemas['FeedbackPublic'];
export type FeedbackIn = Schemas['FeedbackIn'];
export type Rating = FeedbackIn['rating'];
export type FeedbackPage = Schemas['FeedbackPage'];
export type FeedbackSummary = Schemas['FeedbackSummary'];
export type FeedbackDatasetCreate = Schemas['FeedbackDatasetCreate'];
export type FeedbackDataset = Schemas['FeedbackDatasetPublic'];
export type FeedbackDatasetDetail = Schemas['FeedbackDatasetDetail'];
export type FeedbackSample = Schemas['SamplePublic'];
export type SampleUpdate = Schemas['SampleUpdate'];
export type DedupeResult = Schemas['DedupeResult'];
export type PublishRequest = Schemas['PublishRequest'];
export type PublishedDatasets = Schemas['PublishedDatasets'];

