// @vitest-environment node
/**
 * The e2e mock server against the API's OpenAPI schema: a walk through every mock route, after which no
 * response may have disagreed with its schema (e2e/openapi-check.mjs) and no route may be left unvisited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

process.env.TOKEN_DELAY_MS = '1';
const { mockProblems, routes, startMockServer } = await import('./mock-server.mjs');

let server;
let base;
let auth = {};

beforeAll(async () => {
  server = await startMockServer(0);
  base = `http://127.0.0.1:${server.address().port}/api/v1`;
});
afterAll(() => server?.close());

async function call(method, path, body, headers = {}) {
  const init = { method, headers: { ...auth, ...headers } };
  if (body instanceof FormData || body instanceof URLSearchParams) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const data = type.includes('json') && text ? JSON.parse(text) : text;
  return { status: res.status, data };
}
const files = (name, text) => {
  const form = new FormData();
  form.append('files', new Blob([text], { type: 'text/plain' }), name);
  return form;
};
const sseEvents = (text) => [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map(([, event, data]) => ({ event, data: JSON.parse(data) }));

async function until(check, what) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('e2e mock server', () => {
  it('answers every route as the API schema says', async () => {
    const password = 'Mock-Password-1';
    for (const name of ['admin', 'other']) expect((await call('POST', '/auth/register', { username: name, email: `${name}@x.io`, password })).status).toBe(201);
    const login = await call('POST', '/auth/login', new URLSearchParams({ username: 'admin', password }));
    auth = { Authorization: `Bearer ${login.data.access_token}` };
    const refreshed = await call('POST', '/auth/refresh', { refresh_token: login.data.refresh_token });
    auth = { Authorization: `Bearer ${refreshed.data.access_token}` };
    await call('GET', '/users/me');
    await call('PATCH', '/users/me', { display_name: 'Admin' });
    const users = await call('GET', '/users');
    await call('PATCH', `/users/${users.data.items[1].id}`, { daily_token_quota: 1000 });
    await call('POST', '/users/me/api-keys', { name: 'ci' });
    await call('GET', '/users/me/api-keys');
    await call('POST', '/models', { id: 'remote-x', backend: 'openai', base_url: 'http://127.0.0.1:9/v1' });
    await call('GET', '/models');
    await call('GET', '/system/resources');

    await call('GET', '/embedding-models');
    const kb = (await call('POST', '/knowledge-bases', { name: 'Manuals' })).data;
    await call('GET', '/knowledge-bases');
    expect((await call('PATCH', `/knowledge-bases/${kb.id}`, { relevance_threshold: 4 })).status).toBe(422);
    expect((await call('PATCH', `/knowledge-bases/${kb.id}`, { retrieval_mode: 'dense', relevance_threshold: 1.2 })).data.retrieval_mode).toBe('dense');
    const [doc] = (await call('POST', `/knowledge-bases/${kb.id}/documents`, files('notes.txt', 'The code is 42.'))).data;
    await until(async () => (await call('GET', `/knowledge-bases/${kb.id}/documents`)).data[0].status === 'indexed', 'indexing');
    expect(sseEvents((await call('GET', `/documents/${doc.id}/events`)).data).at(-1).event).toBe('done');
    await call('POST', `/knowledge-bases/${kb.id}/search`, { query: 'code', mode: 'hybrid', k: 3 });

    const conversation = (await call('POST', '/conversations', { knowledge_base_ids: [kb.id] })).data;
    await call('GET', '/conversations');
    await call('PATCH', `/conversations/${conversation.id}`, { title: 'Renamed' });
    const [attached] = (await call('POST', `/conversations/${conversation.id}/attachments`, files('a.txt', 'attached'))).data;
    await until(async () => (await call('GET', `/conversations/${conversation.id}/attachments`)).data[0].status === 'indexed', 'attachment');
    const answer = sseEvents((await call('POST', `/conversations/${conversation.id}/messages`, { content: 'Hi', attachment_ids: [attached.id] })).data).at(-1);
    expect(answer.event).toBe('done');
    const again = sseEvents((await call('POST', `/messages/${answer.data.message.id}/regenerate`, {})).data).at(-1);
    await call('GET', `/messages/${again.data.message.id}/events`);
    await call('POST', `/messages/${again.data.message.id}/stop`);
    await call('GET', `/conversations/${conversation.id}`);

    const jsonl = (text) => {
      const form = new FormData();
      form.append('file', new Blob([text], { type: 'application/jsonl' }), 'data.jsonl');
      return form;
    };
    expect((await call('POST', '/finetune/datasets', jsonl('not json\n'))).status).toBe(422);
    const dataset = (await call('POST', '/finetune/datasets', jsonl('{"instruction": "Say hi", "output": "Hi"}\n'))).data;
    await call('GET', '/finetune/datasets');
    const job = (await call('POST', '/finetune/jobs', { base_model: 'smollm2-135m-instruct', dataset_id: dataset.id, method: 'lora' })).data;
    await call('GET', '/finetune/jobs');
    expect(sseEvents((await call('GET', `/finetune/jobs/${job.id}/events`)).data).at(-1).event).toBe('done');
    await call('GET', `/finetune/jobs/${job.id}`);

    expect((await call('GET', '/conversations/999999')).status).toBe(404);
    await call('DELETE', `/conversations/${conversation.id}`);
    await call('DELETE', `/knowledge-bases/${kb.id}`);
    await call('POST', '/auth/logout', { refresh_token: refreshed.data.refresh_token });

    expect(mockProblems).toEqual([]);
    expect(routes.filter((r) => !r.hits).map((r) => `${r.method} ${r.pattern}`)).toEqual([]);
  }, 60_000);
});
