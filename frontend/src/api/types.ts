/** Types mirroring docs/api.md. Field names follow the backend exactly. */

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export type Role = 'admin' | 'user';

export interface UserPublic {
  id: number;
  username: string;
  email: string;
  display_name: string | null;
  role: Role;
  is_active: boolean;
  language: string | null;
  created_at: string;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  key?: string;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ConversationPublic {
  id: number;
  title: string;
  model: string | null;
  system_prompt?: string | null;
  temperature?: number | null;
  max_tokens?: number | null;
  knowledge_base_ids: number[];
  /** Agent planner: tools are used unless 'none'. */
  planner?: Planner | null;
  created_at: string;
  updated_at?: string | null;
}

export type Planner = 'none' | 'deterministic' | 'llm';

export interface ConversationDetail extends ConversationPublic {
  messages: MessagePublic[];
}

export type ConversationUpdate = Partial<
  Pick<ConversationPublic, 'title' | 'model' | 'system_prompt' | 'temperature' | 'max_tokens' | 'knowledge_base_ids' | 'planner'>
>;

export type MessageStatus = 'pending' | 'streaming' | 'done' | 'cancelled' | 'failed';

export interface Citation {
  n: number;
  document_id: number;
  document_name: string;
  page: number | null;
  snippet: string;
  score?: number;
}

export interface ToolStep {
  name: string;
  arguments: unknown;
  result_preview: string;
  duration_ms: number;
  ok: boolean;
  error?: string | null;
}

export interface MessagePublic {
  id: number;
  conversation_id: number;
  parent_id: number | null;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: MessageStatus;
  model: string | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  ttft_ms?: number | null;
  tokens_per_s?: number | null;
  latency_ms?: number | null;
  error?: string | null;
  citations?: Citation[] | null;
  tool_trace?: ToolStep[] | null;
  /** Generation settings asked for; `semantic_cache` says whether the answer was reused from an earlier one. */
  params?: { semantic_cache?: SemanticCacheRecord; [key: string]: unknown };
  created_at: string;
}

export interface SemanticCacheRecord {
  hit: boolean;
  distance?: number;
  source_message_id?: number;
}

export interface SendMessageBody {
  content: string;
  model?: string;
  params?: Record<string, unknown>;
  knowledge_base_ids?: number[];
  /** The message this question follows; omitted = after the newest message, null = a new first turn. */
  parent_id?: number | null;
}

export interface ModelInfo {
  id: string;
  display_name: string;
  backend: string;
  source: string;
  quantization: string | null;
  present: boolean;
  size_bytes: number | null;
  loaded_on: string[];
  memory_bytes: number | null;
  is_adapter: boolean;
  base: string | null;
}

export interface KnowledgeBase {
  id: number;
  name: string;
  description: string | null;
  embedding_model?: string | null;
  created_at: string;
}

export type DocumentStatus = 'queued' | 'parsing' | 'embedding' | 'indexed' | 'failed';

export interface DocumentPublic {
  id: number;
  knowledge_base_id: number;
  filename: string;
  size_bytes: number;
  status: DocumentStatus;
  error: string | null;
  pages: number | null;
  chunks: number | null;
  /** While queued: place in the indexing queue (1 = next); null otherwise. */
  queue_position: number | null;
  /** While queued and no indexing worker is running: why indexing does not start; null otherwise. */
  queue_message: string | null;
  created_at: string;
}

export type SearchMode = 'dense' | 'bm25' | 'hybrid';

export interface SearchHit {
  score: number;
  similarity: number | null;
  document_id: number;
  filename: string;
  page: number | null;
  heading: string | null;
  text: string;
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  hits: SearchHit[];
}

export interface DatasetError {
  line: number;
  message: string;
}

export interface Dataset {
  id: number;
  name: string;
  format: string;
  count: number;
  preview: unknown[];
  token_stats?: Record<string, number> | null;
  errors?: DatasetError[];
  created_at?: string;
}

export type FinetuneMethod = 'lora' | 'qlora';

export interface FinetuneJobCreate {
  base_model: string;
  dataset_id: number;
  method: FinetuneMethod;
  rank: number;
  alpha: number;
  dropout: number;
  target_modules?: string[];
  learning_rate: number;
  epochs?: number;
  max_steps?: number;
  batch_size: number;
  grad_accum: number;
  max_seq_len: number;
  seed: number;
}

export interface LossPoint {
  step: number;
  loss: number;
}

export type FinetuneStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface FinetuneJob {
  id: number;
  /** null once the dataset was deleted; the job and its adapter stay. */
  dataset_id: number | null;
  /** The dataset's file name; null once the dataset was deleted. */
  dataset_name: string | null;
  base_model: string;
  method: FinetuneMethod;
  config: Record<string, unknown>;
  status: FinetuneStatus;
  error: string | null;
  progress: Partial<FinetuneProgress>;
  adapter_name: string | null;
  /** `<base>+<adapter>` once the adapter is saved. */
  model_id: string | null;
  /** While queued: place in the training queue (1 = next); null otherwise. */
  queue_position: number | null;
  /** While queued and no training worker is running: why the job does not start; null otherwise. */
  queue_message: string | null;
  loss_history?: LossPoint[];
  created_at: string;
}

/** GET|POST /api/v1/finetune/jobs/{id}/merge: the job's adapter merged into a full model for export. */
export type MergeState = 'none' | 'queued' | 'running' | 'done' | 'failed';

export interface FinetuneMerge {
  job_id: number;
  state: MergeState;
  base_model: string;
  adapter_name: string | null;
  /** The merged model directory on the server (config, safetensors, tokenizer), once done. */
  path: string | null;
  size_bytes: number | null;
  merged_at: string | null;
  error: string | null;
}

export interface MergeProgress {
  stage: string;
  fraction: number;
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

export interface GpuStats {
  device: string;
  name?: string;
  memory_used_bytes: number;
  memory_total_bytes: number;
  utilization_percent: number | null;
  temperature_c?: number | null;
}

/** GET /api/v1/system/resources (app/api/routes/system.py). */
export interface SystemResources {
  cpu: { percent: number; count: number };
  memory: { used_bytes: number; total_bytes: number; percent: number };
  disk: { used_bytes: number; total_bytes: number; percent: number };
  gpus: GpuStats[];
  models_loaded: string[];
  queues: Record<string, number>;
  active_streams: number;
  flower_url?: string | null;
}

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

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
