/** Typed client for every endpoint of docs/api.md that the UI uses. */
import { API, ApiError, authFetch, request, toApiError, upload } from './http';
import { tokenStore } from './tokens';
import type {
  ApiKey,
  ConversationDetail,
  ConversationPublic,
  ConversationUpdate,
  Dataset,
  DocumentPublic,
  DedupeResult,
  EmbeddingModel,
  Feedback,
  FeedbackDataset,
  FeedbackDatasetCreate,
  FeedbackDatasetDetail,
  FeedbackIn,
  FeedbackPage,
  FeedbackSample,
  FeedbackSummary,
  FinetuneJob,
  FinetuneJobCreate,
  FinetuneMerge,
  KnowledgeBase,
  KnowledgeBaseCreate,
  KnowledgeBaseUpdate,
  MessagePublic,
  ModelAction,
  ModelInfo,
  ModelSpec,
  Page,
  PublishRequest,
  PublishedDatasets,
  QuotaUsage,
  Rating,
  SampleUpdate,
  SearchMode,
  SearchResponse,
  SendMessageBody,
  SystemResources,
  TokenPair,
  UserAdminUpdate,
  UserPublic,
} from './types';

const post = <T>(path: string, json?: unknown) => request<T>(path, { method: 'POST', json });
const patch = <T>(path: string, json: unknown) => request<T>(path, { method: 'PATCH', json });
const del = (path: string) => request<void>(path, { method: 'DELETE' });

/** Opens an SSE response (POST with a JSON body, or GET with Last-Event-ID). Throws ApiError on non-2xx. */
async function openStream(path: string, init: { json?: unknown; lastEventId?: string | null; signal?: AbortSignal }) {
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  if (init.lastEventId) headers['Last-Event-ID'] = init.lastEventId;
  const res = await authFetch(path, {
    method: init.json !== undefined ? 'POST' : 'GET',
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
    signal: init.signal,
    cache: 'no-store',
  });
  if (!res.ok || !res.body) throw await toApiError(res);
  return res;
}

export const auth = {
  register: (body: { username: string; email: string; password: string }) =>
    post<UserPublic>(`${API}/auth/register`, body),
  async login(username: string, password: string): Promise<TokenPair> {
    const res = await fetch(`${API}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password, grant_type: 'password' }),
    });
    if (!res.ok) throw await toApiError(res);
    const pair = (await res.json()) as TokenPair;
    tokenStore.set(pair);
    return pair;
  },
  async logout(): Promise<void> {
    const refresh_token = tokenStore.get()?.refresh_token;
    try {
      if (refresh_token) await post<void>(`${API}/auth/logout`, { refresh_token });
    } finally {
      tokenStore.set(null);
    }
  },
};

export const users = {
  me: () => request<UserPublic>(`${API}/users/me`),
  updateMe: (body: { email?: string; display_name?: string; language?: string }) =>
    patch<UserPublic>(`${API}/users/me`, body),
  changePassword: (current_password: string, new_password: string) =>
    post<void>(`${API}/users/me/password`, { current_password, new_password }),
  listKeys: () => request<ApiKey[]>(`${API}/users/me/api-keys`),
  createKey: (name: string) => post<ApiKey>(`${API}/users/me/api-keys`, { name }),
  revokeKey: (id: number) => del(`${API}/users/me/api-keys/${id}`),
  quota: () => request<QuotaUsage>(`${API}/users/me/quota`),
  /** Admin: every account, oldest first. */
  list: (limit = 200, offset = 0) => request<Page<UserPublic>>(`${API}/users?limit=${limit}&offset=${offset}`),
  /** Admin: role, active flag, daily token quota (null = unlimited). */
  update: (id: number, body: UserAdminUpdate) => patch<UserPublic>(`${API}/users/${id}`, body),
};

export const conversations = {
  list: (params: { q?: string; limit?: number; offset?: number } = {}) => {
    const qs = new URLSearchParams({ limit: String(params.limit ?? 100), offset: String(params.offset ?? 0) });
    if (params.q) qs.set('q', params.q);
    return request<Page<ConversationPublic>>(`${API}/conversations?${qs}`);
  },
  get: (id: number) => request<ConversationDetail>(`${API}/conversations/${id}`),
  create: (body: ConversationUpdate) => post<ConversationPublic>(`${API}/conversations`, body),
  update: (id: number, body: ConversationUpdate) => patch<ConversationPublic>(`${API}/conversations/${id}`, body),
  remove: (id: number) => del(`${API}/conversations/${id}`),
  /** Indexes a file into the conversation's private knowledge base, for one question's `attachment_ids`. */
  attach(id: number, file: File, onProgress?: (percent: number) => void) {
    const form = new FormData();
    form.append('files', file, file.name);
    return upload<DocumentPublic[]>(`${API}/conversations/${id}/attachments`, form, onProgress).then(([doc]) => doc);
  },
};

export const messages = {
  get: (id: number) => request<MessagePublic>(`${API}/messages/${id}`),
  send: (conversationId: number, body: SendMessageBody, signal?: AbortSignal) =>
    openStream(`${API}/conversations/${conversationId}/messages`, { json: { ...body, stream: true }, signal }),
  regenerate: (messageId: number, body: { model?: string }, signal?: AbortSignal) =>
    openStream(`${API}/messages/${messageId}/regenerate`, { json: { ...body, stream: true }, signal }),
  events: (messageId: number, lastEventId: string | null, signal?: AbortSignal) =>
    openStream(`${API}/messages/${messageId}/events`, { lastEventId, signal }),
  stop: (messageId: number) => post<{ status: string }>(`${API}/messages/${messageId}/stop`),
};

export const models = {
  list: () => request<ModelInfo[]>(`${API}/models`),
  add: (spec: Partial<ModelSpec> & { id: string }) => post<ModelSpec>(`${API}/models`, spec),
  load: (id: string) => post<ModelAction>(`${API}/models/${encodeURIComponent(id)}/load`),
  unload: (id: string) => post<ModelAction>(`${API}/models/${encodeURIComponent(id)}/unload`),
  pull: (model_id: string) => post<{ job_id: string }>(`${API}/models/pull`, { model_id }),
  pullEvents: (jobId: string, lastEventId: string | null, signal?: AbortSignal) =>
    openStream(`${API}/models/pull/${jobId}/events`, { lastEventId, signal }),
};

export const knowledge = {
  list: () => request<KnowledgeBase[]>(`${API}/knowledge-bases`),
  create: (body: KnowledgeBaseCreate) => post<KnowledgeBase>(`${API}/knowledge-bases`, body),
  /** Retrieval mode and relevance threshold (null = the embedding model's default); the embedding model is fixed. */
  update: (id: number, body: KnowledgeBaseUpdate) => patch<KnowledgeBase>(`${API}/knowledge-bases/${id}`, body),
  /** The embedding models a knowledge base may be created with, each with the defaults it brings. */
  embeddingModels: () => request<EmbeddingModel[]>(`${API}/embedding-models`),
  remove: (id: number) => del(`${API}/knowledge-bases/${id}`),
  documents: (kbId: number) =>
    request<DocumentPublic[]>(`${API}/knowledge-bases/${kbId}/documents`),
  upload(kbId: number, files: File[], onProgress?: (percent: number) => void) {
    const form = new FormData();
    files.forEach((f) => form.append('files', f, f.name));
    return upload<DocumentPublic[]>(`${API}/knowledge-bases/${kbId}/documents`, form, onProgress);
  },
  removeDocument: (id: number) => del(`${API}/documents/${id}`),
  reindex: (id: number) => post<DocumentPublic>(`${API}/documents/${id}/reindex`),
  documentEvents: (id: number, lastEventId: string | null, signal?: AbortSignal) =>
    openStream(`${API}/documents/${id}/events`, { lastEventId, signal }),
  search: (kbId: number, query: string, mode: SearchMode, k: number) =>
    post<SearchResponse>(`${API}/knowledge-bases/${kbId}/search`, { query, mode, k }).then((r) => r.hits),
};

export const finetune = {
  datasets: () => request<Dataset[]>(`${API}/finetune/datasets`),
  uploadDataset(file: File, evalFraction: number | undefined, onProgress?: (percent: number) => void) {
    const form = new FormData();
    form.append('file', file, file.name);
    if (evalFraction !== undefined) form.append('eval_fraction', String(evalFraction));
    return upload<Dataset>(`${API}/finetune/datasets`, form, onProgress);
  },
  jobs: () => request<FinetuneJob[]>(`${API}/finetune/jobs`),
  job: (id: number) => request<FinetuneJob>(`${API}/finetune/jobs/${id}`),
  createJob: (body: FinetuneJobCreate) => post<FinetuneJob>(`${API}/finetune/jobs`, body),
  cancelJob: (id: number) => post<unknown>(`${API}/finetune/jobs/${id}/cancel`),
  jobEvents: (id: number, lastEventId: string | null, signal?: AbortSignal) =>
    openStream(`${API}/finetune/jobs/${id}/events`, { lastEventId, signal }),
  merge: (id: number) => request<FinetuneMerge>(`${API}/finetune/jobs/${id}/merge`),
  startMerge: (id: number) => post<FinetuneMerge>(`${API}/finetune/jobs/${id}/merge`),
  mergeEvents: (id: number, lastEventId: string | null, signal?: AbortSignal) =>
    openStream(`${API}/finetune/jobs/${id}/merge/events`, { lastEventId, signal }),
};

export type ExportFormat = 'chat' | 'dpo';
export type ExportSplit = 'train' | 'held_out' | 'all';

export const feedback = {
  get: (messageId: number) => request<Feedback>(`${API}/messages/${messageId}/feedback`),
  rate: (messageId: number, body: FeedbackIn) =>
    request<Feedback>(`${API}/messages/${messageId}/feedback`, { method: 'PUT', json: body }),
  remove: (messageId: number) => del(`${API}/messages/${messageId}/feedback`),
  list: (params: { rating?: Rating; conversationId?: number; limit?: number; offset?: number } = {}) => {
    const qs = new URLSearchParams({ limit: String(params.limit ?? 50), offset: String(params.offset ?? 0) });
    if (params.rating) qs.set('rating', params.rating);
    if (params.conversationId) qs.set('conversation_id', String(params.conversationId));
    return request<FeedbackPage>(`${API}/feedback?${qs}`);
  },
  /** Admin: everyone's ratings in counts, per model id. */
  summary: () => request<FeedbackSummary>(`${API}/feedback/summary`),
  datasets: () => request<FeedbackDataset[]>(`${API}/feedback/datasets`),
  dataset: (id: number) => request<FeedbackDatasetDetail>(`${API}/feedback/datasets/${id}`),
  build: (body: FeedbackDatasetCreate) => post<FeedbackDatasetDetail>(`${API}/feedback/datasets`, body),
  removeDataset: (id: number) => del(`${API}/feedback/datasets/${id}`),
  editSample: (datasetId: number, sampleId: number, body: SampleUpdate) =>
    patch<FeedbackSample>(`${API}/feedback/datasets/${datasetId}/samples/${sampleId}`, body),
  dropSample: (datasetId: number, sampleId: number) => del(`${API}/feedback/datasets/${datasetId}/samples/${sampleId}`),
  dedupe: (id: number) => post<DedupeResult>(`${API}/feedback/datasets/${id}/dedupe`),
  /** The export's URL (it needs the bearer token: download it through authFetch). */
  exportUrl: (id: number, format: ExportFormat, split: ExportSplit = 'train') =>
    `${API}/feedback/datasets/${id}/export?format=${format}${format === 'dpo' ? '' : `&split=${split}`}`,
  publish: (id: number, body: PublishRequest) => post<PublishedDatasets>(`${API}/feedback/datasets/${id}/publish`, body),
};

export const system = {
  resources: () => request<SystemResources>(`${API}/system/resources`),
  /** Prometheus text from /metrics (unauthenticated, at the root). */
  metrics: () =>
    fetch('/metrics').then((r) => {
      if (!r.ok) throw new ApiError(r.status, `http_${r.status}`, r.statusText);
      return r.text();
    }),
};

export { ApiError };
