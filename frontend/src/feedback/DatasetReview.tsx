import { ArrowLeftOutlined, DownloadOutlined, ExperimentOutlined, MergeCellsOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Collapse, Dropdown, Empty, Space, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { feedback, type ExportFormat, type ExportSplit } from '../api/client';
import type { FeedbackSample } from '../api/types';
import { errorText } from '../common/errors';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { CountTags } from './DatasetsTab';
import { downloadFile } from './download';
import { finetuneLink, reviewCounts } from './feedbackLogic';
import { SampleCard } from './SampleCard';

const EXPORTS: Array<{ key: string; format: ExportFormat; split: ExportSplit; label: 'fb.export.train' | 'fb.export.heldOut' | 'fb.export.dpo' }> = [
  { key: 'chat-train', format: 'chat', split: 'train', label: 'fb.export.train' },
  { key: 'chat-held_out', format: 'chat', split: 'held_out', label: 'fb.export.heldOut' },
  { key: 'dpo', format: 'dpo', split: 'train', label: 'fb.export.dpo' },
];

/** Review a curated dataset: edit, drop, dedupe, hold pairs out; export it, or publish it and open the
 * fine-tuning form with it (and its held-out evaluation set) preselected. */
export function DatasetReview({ datasetId, onBack }: { datasetId: number; onBack: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const dataset = useResource(() => feedback.dataset(datasetId), [datasetId]);
  const [busy, setBusy] = useState(false);
  const samples = dataset.data?.samples ?? [];
  const counts = reviewCounts(samples);

  const replaceSample = (next: FeedbackSample | null, id: number) =>
    dataset.setData((d) => d && { ...d, samples: next ? d.samples.map((s) => (s.id === id ? next : s)) : d.samples.filter((s) => s.id !== id) });

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const dedupe = () =>
    run(async () => {
      const result = await feedback.dedupe(datasetId);
      dataset.setData(result.dataset);
      message.success(t('fb.deduped', { n: result.removed }));
    });

  const publish = (format: ExportFormat) =>
    run(async () => {
      const published = await feedback.publish(datasetId, { format });
      message.success(t('fb.published', { name: published.train.name }));
      navigate(finetuneLink(published, format));
    });

  if (dataset.error) return <Alert type="error" showIcon message={errorText(dataset.error, t)} action={<Button onClick={onBack}>{t('fb.back')}</Button>} />;
  if (!dataset.data) return <Card size="small" loading />;
  const skipped = dataset.data.skipped;

  return (
    <div data-testid="dataset-review" data-id={datasetId}>
      <Card
        size="small"
        style={{ marginBottom: 12 }}
        title={
          <Space wrap>
            <Button size="small" type="text" icon={<ArrowLeftOutlined />} onClick={onBack} aria-label={t('fb.back')} data-testid="review-back" />
            <span>{dataset.data.name}</span>
          </Space>
        }
      >
        <Space wrap size={[4, 8]} data-testid="review-counts" data-train={counts.train} data-held-out={counts.held_out} data-preference={counts.preference}>
          <CountTags counts={{ ...counts }} />
        </Space>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, marginTop: 12 }}>
          <Button icon={<MergeCellsOutlined />} onClick={dedupe} disabled={busy} data-testid="review-dedupe">
            {t('fb.dedupe')}
          </Button>
          <Dropdown
            trigger={['click']}
            menu={{
              items: EXPORTS.map((e) => ({
                key: e.key,
                label: (
                  <span data-testid={`export-${e.key}`} data-href={feedback.exportUrl(datasetId, e.format, e.split)}>
                    {t(e.label)}
                  </span>
                ),
              })),
              onClick: ({ key }) => {
                const e = EXPORTS.find((x) => x.key === key)!;
                void run(() => downloadFile(feedback.exportUrl(datasetId, e.format, e.split), `feedback-${datasetId}-${key}.jsonl`));
              },
            }}
          >
            <Button icon={<DownloadOutlined />} data-testid="review-export">
              {t('fb.export')}
            </Button>
          </Dropdown>
          <Button type="primary" icon={<ExperimentOutlined />} onClick={() => void publish('chat')} disabled={busy || !counts.train} data-testid="review-publish">
            {t('fb.publishTrain')}
          </Button>
          {counts.preference > 0 && (
            <Button icon={<ExperimentOutlined />} onClick={() => void publish('dpo')} disabled={busy} data-testid="review-publish-dpo">
              {t('fb.publishDpo')}
            </Button>
          )}
        </div>
        {skipped.length > 0 && (
          <Collapse
            size="small"
            ghost
            items={[
              {
                key: 'skipped',
                label: t('fb.skipped', { n: skipped.length }),
                children: (
                  <ul style={{ margin: 0, paddingLeft: 20 }}>
                    {skipped.map((s, i) => (
                      <li key={i}>{String(s.reason ?? JSON.stringify(s))}</li>
                    ))}
                  </ul>
                ),
              },
            ]}
          />
        )}
      </Card>
      {samples.length === 0 ? (
        <Empty description={t('fb.noSamples')} />
      ) : (
        samples.map((s) => <SampleCard key={s.id} datasetId={datasetId} sample={s} onChanged={(next) => replaceSample(next, s.id)} />)
      )}
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('fb.reviewHint')}
      </Typography.Paragraph>
    </div>
  );
}
