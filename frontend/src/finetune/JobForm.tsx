import { App, Button, Card, Col, Form, InputNumber, Row, Select } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { finetune } from '../api/client';
import type { Dataset, FinetuneJob, FinetuneJobCreate, ModelInfo } from '../api/types';
import { useI18n } from '../i18n';
import { errorText } from '../common/errors';
import { readPrefill } from '../feedback/feedbackLogic';

type Values = Omit<FinetuneJobCreate, 'epochs' | 'max_steps'> & { epochs: number; max_steps: number };

/** Defaults that train a small model on CPU in minutes (LoRA r=8; target modules: the model's default). */
const DEFAULTS: Partial<Values> = {
  method: 'lora',
  rank: 8,
  alpha: 16,
  dropout: 0.05,
  beta: 0.1,
  learning_rate: 2e-4,
  epochs: 1,
  max_steps: 0,
  batch_size: 8,
  grad_accum: 1,
  max_seq_len: 512,
  seed: 0,
};

export function JobForm({ datasets, models, onCreated }: { datasets: Dataset[]; models: ModelInfo[]; onCreated: (j: FinetuneJob) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [params] = useSearchParams();
  // A dataset published from feedback arrives preselected (?dataset=&eval=&method=).
  const [initialValues] = useState(() => ({ ...DEFAULTS, ...readPrefill(params) }));

  const submit = async ({ max_steps, epochs, ...v }: Values) => {
    setBusy(true);
    try {
      const target_modules = v.target_modules?.length ? v.target_modules : undefined;
      const job = await finetune.createJob({ ...v, target_modules, ...(max_steps > 0 ? { max_steps } : { epochs }) });
      message.success(t('ft.jobStarted', { id: job.id }));
      onCreated(job);
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const datasetOptions = datasets.map((d) => ({ value: d.id, label: `${d.name} (${d.count})` }));
  const num = (name: keyof Values, label: string, props: object = {}) => (
    <Col xs={12} sm={8}>
      <Form.Item name={name} label={label} rules={[{ required: true, message: t('auth.required') }]}>
        <InputNumber style={{ width: '100%' }} data-testid={`job-${name.replace(/_/g, '-')}`} {...props} />
      </Form.Item>
    </Col>
  );

  return (
    <Card size="small" title={t('ft.newJob')}>
      <Form<Values> layout="vertical" initialValues={initialValues} onFinish={submit} data-testid="job-form">
        <Form.Item name="base_model" label={t('ft.baseModel')} rules={[{ required: true, message: t('auth.required') }]}>
          <Select data-testid="job-base-model" options={models.map((m) => ({ value: m.id, label: m.display_name || m.id }))} />
        </Form.Item>
        <Form.Item name="dataset_id" label={t('ft.dataset')} rules={[{ required: true, message: t('auth.required') }]}>
          <Select data-testid="job-dataset" options={datasetOptions} />
        </Form.Item>
        <Form.Item name="eval_dataset_id" label={t('ft.evalDataset')}>
          <Select data-testid="job-eval-dataset" allowClear placeholder={t('ft.evalNone')} options={datasetOptions} />
        </Form.Item>
        <Row gutter={12}>
          <Col xs={12} sm={8}>
            <Form.Item name="method" label={t('ft.method')}>
              <Select
                data-testid="job-method"
                options={[
                  { value: 'lora', label: 'LoRA' },
                  { value: 'qlora', label: 'QLoRA (4-bit)' },
                  { value: 'dpo', label: 'DPO (LoRA)' },
                ]}
              />
            </Form.Item>
          </Col>
          <Form.Item noStyle shouldUpdate={(a, b) => a.method !== b.method}>
            {({ getFieldValue }) => getFieldValue('method') === 'dpo' && num('beta', t('ft.beta'), { min: 0, step: 0.05 })}
          </Form.Item>
          {num('rank', t('ft.rank'), { min: 1, max: 256 })}
          {num('alpha', t('ft.alpha'), { min: 1 })}
          {num('dropout', t('ft.dropout'), { min: 0, max: 0.9, step: 0.01 })}
          {num('learning_rate', t('ft.learningRate'), { min: 0, step: 1e-5 })}
          {num('epochs', t('ft.epochs'), { min: 1 })}
          {num('max_steps', t('ft.maxSteps'), { min: 0 })}
          {num('batch_size', t('ft.batchSize'), { min: 1 })}
          {num('grad_accum', t('ft.gradAccum'), { min: 1 })}
          {num('max_seq_len', t('ft.maxSeqLen'), { min: 16, step: 64 })}
          {num('seed', t('ft.seed'))}
        </Row>
        <Form.Item name="target_modules" label={t('ft.targetModules')}>
          <Select mode="tags" tokenSeparators={[',', ' ']} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} block data-testid="job-start">
          {t('ft.start')}
        </Button>
      </Form>
    </Card>
  );
}
