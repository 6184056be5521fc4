/**
 * The knowledge-base dialogs against a fetch stub: the create dialog's embedding model and search mode, and
 * the retrieval settings of an existing knowledge base (mode, threshold, back to the default, errors).
 */
import { App, ConfigProvider } from 'antd';
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmbeddingModel, KnowledgeBase } from '../api/types';
import { I18nProvider } from '../i18n';
import { NewKnowledgeBase } from './NewKnowledgeBase';
import { RetrievalSettings } from './RetrievalSettings';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const MODELS: EmbeddingModel[] = [
  { id: 'all-MiniLM-L6-v2', is_default: true, recommended_mode: 'hybrid', default_threshold: 1.87, multilingual: false, ensemble: false },
  { id: 'multilingual-e5-small', is_default: false, recommended_mode: 'dense', default_threshold: 1.5, multilingual: true, ensemble: false },
  {
    id: 'multilingual-e5-small+all-MiniLM-L6-v2',
    is_default: false,
    recommended_mode: 'dense',
    default_threshold: 1.84,
    multilingual: true,
    ensemble: true,
  },
];

const kbFixture = (fields: Partial<KnowledgeBase> = {}): KnowledgeBase => ({
  id: 7,
  name: 'Manuals',
  description: null,
  embedding_model: 'multilingual-e5-small',
  retrieval_mode: 'dense',
  relevance_threshold: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...fields,
});

interface Call {
  method: string;
  url: string;
  body: Record<string, unknown>;
}
let calls: Call[] = [];
let answer: (call: Call) => [number, unknown];

beforeEach(() => {
  calls = [];
  // antd's responsive hooks ask for media queries, which jsdom lacks.
  vi.stubGlobal('matchMedia', (query: string) => ({ matches: false, media: query, addEventListener() {}, removeEventListener() {} }));
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const call = { method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : {} };
    calls.push(call);
    const [status, json] = answer(call);
    return new Response(JSON.stringify(json), { status, headers: { 'Content-Type': 'application/json' } });
  });
});

let root: Root;
let container: HTMLElement;
afterEach(() => {
  act(() => root.unmount());
  container.remove();
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

async function render(node: ReactNode) {
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  await act(async () =>
    root.render(
      <ConfigProvider theme={{ token: { motion: false } }}>
        <App>
          <I18nProvider>{node}</I18nProvider>
        </App>
      </ConfigProvider>,
    ),
  );
}

/** Lets promises (form validation, fetch) and the renders they cause finish. */
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 20)));

const $ = <T extends Element = HTMLElement>(selector: string) => {
  const element = document.querySelector<T & Element>(selector);
  if (!element) throw new Error(`nothing matches ${selector}`);
  return element as T;
};

async function click(element: Element, type = 'click') {
  await act(async () => element.dispatchEvent(new MouseEvent(type, { bubbles: true })));
  await settle();
}

async function type(input: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), 'value')!.set!;
  await act(async () => {
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await settle();
}

/** Opens the antd Select with this test id and picks the option with this title. */
async function choose(testId: string, title: string) {
  await click($(`[data-testid="${testId}"] .ant-select-selector`), 'mousedown');
  await click($(`.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="${title}"]`));
}

const selected = (testId: string) => $(`[data-testid="${testId}"] .ant-select-selection-item`).textContent;

describe('NewKnowledgeBase', () => {
  const open = async (onCreated = vi.fn()) => {
    await render(<NewKnowledgeBase open models={MODELS} onCreated={onCreated} onCancel={() => {}} />);
    await settle();
    return onCreated;
  };

  it('preselects the default model and sends no retrieval_mode for "Automatic"', async () => {
    answer = (call) => [201, kbFixture({ ...call.body, embedding_model: 'all-MiniLM-L6-v2', retrieval_mode: 'hybrid' })];
    const onCreated = await open();
    expect(selected('kb-embedding-model')).toBe('all-MiniLM-L6-v2');
    expect($('[data-testid="kb-embedding-hint"]').textContent).toBe('English only — fast indexing');
    expect(selected('kb-search-mode')).toBe('Automatic (best for the model) · Hybrid');

    await type($<HTMLInputElement>('[data-testid="kb-name"]'), 'Manuals');
    await click($('[data-testid="kb-create-ok"]'));
    expect(calls).toEqual([{ method: 'POST', url: '/api/v1/knowledge-bases', body: { name: 'Manuals', embedding_model: 'all-MiniLM-L6-v2' } }]);
    expect(onCreated).toHaveBeenCalledWith(expect.objectContaining({ id: 7, retrieval_mode: 'hybrid' }));
  });

  it('sends the chosen model and mode, and shows why the server refused', async () => {
    answer = () => [409, { error: { code: 'conflict', message: 'You already have a knowledge base named "Manuals".' } }];
    const onCreated = await open();
    await choose('kb-embedding-model', 'multilingual-e5-small+all-MiniLM-L6-v2');
    expect($('[data-testid="kb-embedding-hint"]').textContent).toBe('Both models side by side — best retrieval, slower indexing');
    expect(selected('kb-search-mode')).toBe('Automatic (best for the model) · Dense');
    await choose('kb-search-mode', 'BM25');
    await type($<HTMLInputElement>('[data-testid="kb-name"]'), 'Manuals');
    await click($('[data-testid="kb-create-ok"]'));
    expect(calls[0].body).toEqual({ name: 'Manuals', embedding_model: 'multilingual-e5-small+all-MiniLM-L6-v2', retrieval_mode: 'bm25' });
    expect(onCreated).not.toHaveBeenCalled();
    expect(document.querySelector('.ant-message')?.textContent).toContain('You already have a knowledge base named "Manuals".');
  });
});

describe('RetrievalSettings', () => {
  it('shows the settings, saves a mode and threshold, and puts the threshold back to the default', async () => {
    const onSaved = vi.fn();
    answer = (call) => [200, kbFixture(call.body)];
    await render(<RetrievalSettings kb={kbFixture()} models={MODELS} onSaved={onSaved} />);
    expect($('[data-testid="kb-settings-summary"]').textContent).toBe('multilingual-e5-small · Dense · threshold default (1.5)');

    await click($('[data-testid="kb-settings"]'));
    expect($('[data-testid="embedding-option-multilingual-e5-small"]').textContent).toContain('Multilingual');
    expect($<HTMLInputElement>('[data-testid="kb-settings-threshold"]').placeholder).toBe('default (1.5)');
    await choose('kb-settings-mode', 'Hybrid');
    await type($<HTMLInputElement>('[data-testid="kb-settings-threshold"]'), '0.8');
    await click($('[data-testid="kb-settings-save"]'));
    expect(calls).toEqual([{ method: 'PATCH', url: '/api/v1/knowledge-bases/7', body: { retrieval_mode: 'hybrid', relevance_threshold: 0.8 } }]);
    expect(onSaved).toHaveBeenLastCalledWith(expect.objectContaining({ retrieval_mode: 'hybrid', relevance_threshold: 0.8 }));

    await click($('[data-testid="kb-settings"]'));
    await click($('[data-testid="kb-settings-threshold-reset"]'));
    await click($('[data-testid="kb-settings-save"]'));
    expect(calls[1].body).toEqual({ retrieval_mode: 'dense', relevance_threshold: null });
  });

  it('keeps the dialog open and shows the error when saving fails', async () => {
    answer = () => [422, { error: { code: 'validation_error', message: 'Invalid request', details: [{ field: 'relevance_threshold', message: 'Input should be less than or equal to 3' }] } }];
    await render(<RetrievalSettings kb={kbFixture({ relevance_threshold: 1.2 })} models={MODELS} onSaved={vi.fn()} />);
    expect($('[data-testid="kb-settings-summary"]').textContent).toBe('multilingual-e5-small · Dense · threshold 1.2');
    await click($('[data-testid="kb-settings"]'));
    await click($('[data-testid="kb-settings-save"]'));
    expect(document.querySelector('.ant-message')?.textContent).toContain('relevance_threshold: Input should be less than or equal to 3');
    expect(document.querySelector('[data-testid="kb-settings-threshold"]')).not.toBeNull();
  });
});
