import { ConfigProvider } from 'antd';
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n';
import { ToolSteps } from './ToolSteps';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

async function expand(container: HTMLElement, selector: string) {
  const header = container.querySelector(selector)?.closest('.ant-collapse-header');
  await act(async () => header?.dispatchEvent(new MouseEvent('click', { bubbles: true })));
}

describe('ToolSteps', () => {
  it("shows a python step's figures as images", async () => {
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    const container = document.createElement('div');
    document.body.appendChild(container);
    const step = { name: 'python', arguments: { code: 'plt.plot([1, 2])' }, result_preview: 'done', duration_ms: 40, ok: true, images: [PNG] };
    await act(async () =>
      createRoot(container).render(
        <ConfigProvider theme={{ token: { motion: false } }}>
          <I18nProvider>
            <ToolSteps steps={[step]} />
          </I18nProvider>
        </ConfigProvider>,
      ),
    );
    await expand(container, '[data-testid="tool-steps"] .ant-collapse-header');
    await expand(container, '[data-testid="tool-step"]');
    const image = container.querySelector<HTMLImageElement>('img[src^="data:image/png;base64,"]');
    expect(image?.src).toBe(`data:image/png;base64,${PNG}`);
    expect(image?.alt).toBe('Figure 1');
  });
});
