import { Alert, Card, Col, Row, Statistic, Table } from 'antd';
import { feedback } from '../api/client';
import { errorText } from '../common/errors';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { percent } from '../finetune/evaluation';

/** Administrators: everyone's ratings in counts, overall and per model id (no text). */
export function SummaryTab() {
  const { t } = useI18n();
  const summary = useResource(() => feedback.summary(), []);
  const s = summary.data;
  return (
    <div data-testid="feedback-summary">
      {summary.error && <Alert type="error" showIcon message={errorText(summary.error, t)} style={{ marginBottom: 12 }} />}
      <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
        {(
          [
            ['fb.summary.total', s?.total],
            ['fb.up', s?.up],
            ['fb.down', s?.down],
            ['fb.correctedTag', s?.corrected],
            ['fb.summary.users', s?.users],
          ] as const
        ).map(([key, value]) => (
          <Col xs={12} sm={8} md={4} key={key}>
            <Card size="small">
              <Statistic title={t(key)} value={value ?? 0} loading={summary.loading && !s} />
            </Card>
          </Col>
        ))}
      </Row>
      <Table
        size="small"
        rowKey={(r) => r.model ?? ''}
        loading={summary.loading}
        dataSource={s?.by_model ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('fb.summary.model'), dataIndex: 'model', render: (m: string | null) => m ?? '—' },
          { title: t('fb.up'), dataIndex: 'up', align: 'right' },
          { title: t('fb.down'), dataIndex: 'down', align: 'right' },
          { title: t('fb.correctedTag'), dataIndex: 'corrected', align: 'right' },
          { title: t('fb.summary.approval'), dataIndex: 'approval', align: 'right', render: (a: number | null) => percent(a) },
        ]}
      />
    </div>
  );
}
