import { Alert, Card, InputNumber, List, Progress, Space, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, finetune } from '../api/client';
import type { Dataset, DatasetError } from '../api/types';
import { DropZone } from '../common/DropZone';
import { useI18n } from '../i18n';

/** Uploads a JSONL dataset; shows line-numbered validation errors or a preview of the records. */
export function DatasetUpload({ onUploaded }: { onUploaded: (d: Dataset) => void }) {
  const { t } = useI18n();
  const [evalFraction, setEvalFraction] = useState(0.1);
  const [percent, setPercent] = useState<number | null>(null);
  const [errors, setErrors] = useState<DatasetError[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [dataset, setDataset] = useState<Dataset | null>(null);

  const upload = async (file: File) => {
    setErrors(null);
    setFailure(null);
    setDataset(null);
    setPercent(0);
    try {
      const d = await finetune.uploadDataset(file, evalFraction, setPercent);
      setDataset(d);
      if (d.errors?.length) setErrors(d.errors);
      onUploaded(d);
    } catch (e) {
      const details = e instanceof ApiError ? (e.details as { errors?: DatasetError[] } | undefined) : undefined;
      if (details?.errors) setErrors(details.errors);
      else setFailure((e as Error).message);
    } finally {
      setPercent(null);
    }
  };

  return (
    <Card size="small" title={t('ft.datasets')} style={{ marginBottom: 16 }}>
      <Space style={{ marginBottom: 8 }}>
        {t('ft.evalFraction')}
        <InputNumber min={0} max={0.5} step={0.05} value={evalFraction} onChange={(v) => setEvalFraction(v ?? 0)} />
      </Space>
      <DropZone
        accept=".jsonl,.json"
        showUploadList={false}
        beforeUpload={(file) => {
          void upload(file);
          return false;
        }}
        text={t('ft.uploadDataset')}
        hint={t('ft.uploadHint')}
        data-testid="dataset-upload"
      />
      {percent !== null && <Progress percent={percent} size="small" />}
      {failure && <Alert type="error" showIcon message={failure} style={{ marginTop: 8 }} />}
      {errors && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 8 }}
          message={t('ft.invalid')}
          data-testid="dataset-errors"
          description={
            <List
              size="small"
              dataSource={errors.slice(0, 50)}
              renderItem={(e) => <List.Item>{t('ft.line', { line: e.line, message: e.message })}</List.Item>}
            />
          }
        />
      )}
      {dataset && (
        <div style={{ marginTop: 8 }} data-testid="dataset-preview">
          <Typography.Text strong>{dataset.name}</Typography.Text>{' '}
          <Typography.Text type="secondary">{t('ft.records', { count: dataset.count, format: dataset.format })}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ margin: '8px 0 4px' }}>
            {t('ft.preview')}
          </Typography.Paragraph>
          <pre className="lm-tool-pre" style={{ maxHeight: 240, overflow: 'auto' }}>
            {dataset.preview.map((r) => JSON.stringify(r)).join('\n')}
          </pre>
        </div>
      )}
    </Card>
  );
}
