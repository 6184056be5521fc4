import { Alert, Collapse, Table, Typography } from 'antd';
import type { FinetuneJob, JobEvaluation } from '../api/types';
import { useI18n } from '../i18n';
import { evaluationRows, percent, type EvaluationRow } from './evaluation';

/** Base vs adapter on the job's evaluation set (`metrics.evaluation`), shown beside the loss curve. */
export function EvaluationPanel({ job }: { job: FinetuneJob }) {
  const { t } = useI18n();
  const evaluation = (job.metrics as { evaluation?: JobEvaluation } | undefined)?.evaluation;
  if (!job.eval_dataset_id && !evaluation) return null;
  if (!evaluation)
    return job.status === 'succeeded' ? null : (
      <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid="job-evaluation-pending">
        {t('ft.eval.pending')}
      </Typography.Text>
    );
  if (evaluation.error)
    return <Alert type="warning" showIcon style={{ margin: '8px 0' }} message={t('ft.eval.failed', { message: evaluation.error })} data-testid="job-evaluation" />;

  const cell = (key: 'base' | 'adapter') => (value: number | null, row: EvaluationRow) => (
    <span data-testid={`eval-${row.metric}-${key}`}>{percent(value)}</span>
  );
  return (
    <div style={{ marginTop: 12 }} data-testid="job-evaluation">
      <Typography.Text strong>{t('ft.eval.title')}</Typography.Text>{' '}
      <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="eval-samples">
        {t('ft.eval.samples', { n: evaluation.samples ?? 0 })}
      </Typography.Text>
      <Table<EvaluationRow>
        size="small"
        rowKey="metric"
        pagination={false}
        style={{ marginTop: 6 }}
        dataSource={evaluationRows(evaluation)}
        columns={[
          { title: t('ft.eval.metric'), dataIndex: 'metric', render: (m: EvaluationRow['metric']) => t(`ft.eval.${m}` as const) },
          { title: t('ft.eval.base'), dataIndex: 'base', align: 'right', render: cell('base') },
          { title: t('ft.eval.adapter'), dataIndex: 'adapter', align: 'right', render: cell('adapter') },
          {
            title: t('ft.eval.delta'),
            dataIndex: 'delta',
            align: 'right',
            render: (d: number | null) => <Typography.Text type={d === null || d === 0 ? 'secondary' : d > 0 ? 'success' : 'danger'}>{percent(d, true)}</Typography.Text>,
          },
        ]}
      />
      {!!evaluation.examples?.length && (
        <Collapse
          size="small"
          ghost
          items={[
            {
              key: 'examples',
              label: t('ft.eval.examples'),
              children: evaluation.examples.map((e, i) => (
                <div key={i} style={{ marginBottom: 8 }}>
                  <Typography.Text strong>{e.prompt}</Typography.Text>
                  <div>
                    <Typography.Text type="secondary">{t('ft.eval.expected')}: </Typography.Text>
                    {e.expected}
                  </div>
                  <div>
                    <Typography.Text type="secondary">{t('ft.eval.base')}: </Typography.Text>
                    {e.base}
                  </div>
                  <div>
                    <Typography.Text type="secondary">{t('ft.eval.adapter')}: </Typography.Text>
                    {e.adapter}
                  </div>
                </div>
              )),
            },
          ]}
        />
      )}
    </div>
  );
}
