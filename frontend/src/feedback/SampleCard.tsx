import { DeleteOutlined } from '@ant-design/icons';
import { App, Button, Card, Input, Space, Switch, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { feedback } from '../api/client';
import type { FeedbackSample, SampleUpdate } from '../api/types';
import { errorText } from '../common/errors';
import { useI18n } from '../i18n';
import { questionOf } from './feedbackLogic';

const LABEL = { display: 'block', fontSize: 12, margin: '6px 0 2px' } as const;

/** One sample under review: the question, the answer to teach (and a preference pair's rejected answer), editable;
 * held out (training pairs only) and drop. `onChanged(null)` after a drop. */
export function SampleCard({ datasetId, sample: s, onChanged }: { datasetId: number; sample: FeedbackSample; onChanged: (s: FeedbackSample | null) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [chosen, setChosen] = useState(s.chosen);
  const [rejected, setRejected] = useState(s.rejected ?? '');
  const [busy, setBusy] = useState(false);
  const edited = chosen !== s.chosen || (s.rejected !== null && rejected !== s.rejected);

  const act = async (action: () => Promise<FeedbackSample | null>) => {
    setBusy(true);
    try {
      onChanged(await action());
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  const edit = (body: SampleUpdate) => act(() => feedback.editSample(datasetId, s.id, body));
  const saveText = () => {
    const body: SampleUpdate = {};
    if (chosen !== s.chosen) body.chosen = chosen.trim();
    if (s.rejected !== null && rejected !== s.rejected) body.rejected = rejected.trim();
    void edit(body);
  };

  return (
    <Card
      size="small"
      style={{ marginBottom: 8 }}
      data-testid="review-sample"
      data-id={s.id}
      data-kind={s.kind}
      data-origin={s.origin}
      data-held-out={s.held_out}
      title={
        <Space wrap size={4}>
          <Tag color={s.kind === 'preference' ? 'gold' : 'blue'}>{t(s.kind === 'preference' ? 'fb.kind.preference' : 'fb.kind.sft')}</Tag>
          <Tag>{t(`fb.origin.${s.origin}` as const)}</Tag>
        </Space>
      }
      extra={
        <Space size={8}>
          {s.kind === 'sft' && (
            <Tooltip title={t('fb.heldOutHint')}>
              <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
                <Switch size="small" checked={s.held_out} disabled={busy} onChange={(held_out) => void edit({ held_out })} data-testid="sample-held-out" />
                <Typography.Text style={{ fontSize: 12 }}>{t('fb.heldOut')}</Typography.Text>
              </span>
            </Tooltip>
          )}
          <Tooltip title={t('fb.drop')}>
            <Button
              size="small"
              danger
              type="text"
              icon={<DeleteOutlined />}
              disabled={busy}
              aria-label={t('fb.drop')}
              onClick={() => void act(() => feedback.dropSample(datasetId, s.id).then(() => null))}
              data-testid="sample-drop"
            />
          </Tooltip>
        </Space>
      }
    >
      <Typography.Paragraph strong style={{ marginBottom: 6 }} data-testid="sample-question">
        {questionOf(s.prompt)}
      </Typography.Paragraph>
      <Typography.Text type="secondary" style={LABEL}>{t(s.kind === 'preference' ? 'fb.chosen' : 'fb.answer')}</Typography.Text>
      <Input.TextArea autoSize={{ minRows: 1, maxRows: 8 }} value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="sample-chosen" />
      {s.rejected !== null && (
        <>
          <Typography.Text type="secondary" style={LABEL}>{t('fb.rejected')}</Typography.Text>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 8 }} value={rejected} onChange={(e) => setRejected(e.target.value)} data-testid="sample-rejected" />
        </>
      )}
      {edited && (
        <Space style={{ marginTop: 8 }}>
          <Button size="small" type="primary" loading={busy} disabled={!chosen.trim() || (s.rejected !== null && !rejected.trim())} onClick={saveText} data-testid="sample-save">
            {t('common.save')}
          </Button>
          <Button
            size="small"
            onClick={() => {
              setChosen(s.chosen);
              setRejected(s.rejected ?? '');
            }}
          >
            {t('common.cancel')}
          </Button>
        </Space>
      )}
    </Card>
  );
}
