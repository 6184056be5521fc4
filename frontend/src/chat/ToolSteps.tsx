import { CheckCircleOutlined, CloseCircleOutlined, ToolOutlined } from '@ant-design/icons';
import { Collapse, Image, Typography } from 'antd';
import type { ToolStep } from '../api/types';
import { useI18n } from '../i18n';

/** Agent tool calls as collapsible cards: name, arguments, result preview, figures, duration. */
export function ToolSteps({ steps }: { steps: ToolStep[] }) {
  const { t } = useI18n();
  if (!steps.length) return null;
  return (
    <Collapse
      size="small"
      className="lm-tools"
      data-testid="tool-steps"
      items={[
        {
          key: 'tools',
          label: (
            <span>
              <ToolOutlined /> {t('chat.toolSteps', { n: steps.length })}
            </span>
          ),
          children: (
            <Collapse
              size="small"
              items={steps.map((s, i) => ({
                key: i,
                label: (
                  <span data-testid="tool-step">
                    {s.ok ? <CheckCircleOutlined style={{ color: '#52c41a' }} /> : <CloseCircleOutlined style={{ color: '#ff4d4f' }} />}{' '}
                    <code>{s.name}</code> · {s.duration_ms} ms {!s.ok && `· ${t('chat.toolFailed')}`}
                  </span>
                ),
                children: (
                  <>
                    <pre className="lm-tool-pre">{JSON.stringify(s.arguments, null, 2)}</pre>
                    <Typography.Paragraph className="lm-tool-pre">{s.error ?? s.result_preview}</Typography.Paragraph>
                    {s.images?.map((png, n) => (
                      <Image
                        key={n}
                        data-testid="tool-figure"
                        src={`data:image/png;base64,${png}`}
                        alt={t('chat.toolFigure', { n: n + 1 })}
                        width={320}
                      />
                    ))}
                  </>
                ),
              }))}
            />
          ),
        },
      ]}
    />
  );
}
