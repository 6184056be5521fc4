import { DeleteOutlined, FolderOpenOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Form, Input, InputNumber, List, Popconfirm, Row, Select, Space, Switch, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { feedback } from '../api/client';
import type { FeedbackDataset, FeedbackDatasetCreate } from '../api/types';
import { errorText } from '../common/errors';
import { formatDate } from '../common/format';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { DatasetReview } from './DatasetReview';

/** Build a dataset from feedback, list the ones built, and review the one named in the URL (?dataset=). */
export function DatasetsTab({ admin }: { admin: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const datasets = useResource(() => feedback.datasets(), [], []);
  const open = Number(params.get('dataset')) || null;
  const show = (id: number | null) => setParams(id ? { tab: 'datasets', dataset: String(id) } : { tab: 'datasets' });

  if (open)
    return (
      <DatasetReview
        key={open}
        datasetId={open}
        onBack={() => {
          show(null);
          void datasets.reload();
        }}
      />
    );
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={9}>
        <BuildForm
          admin={admin}
          onBuilt={(d) => {
            datasets.setData((list) => [d, ...(list ?? [])]);
            show(d.id);
          }}
        />
      </Col>
      <Col xs={24} lg={15}>
        <Card size="small" title={t('fb.datasets')}>
          <List
            data-testid="feedback-datasets"
            loading={datasets.loading}
            dataSource={datasets.data ?? []}
            locale={{ emptyText: t('fb.noDatasets') }}
            renderItem={(d) => (
              <List.Item
                data-testid="feedback-dataset"
                data-id={d.id}
                actions={[
                  <Button key="open" size="small" icon={<FolderOpenOutlined />} onClick={() => show(d.id)} data-testid="feedback-dataset-open">
                    {t('fb.review')}
                  </Button>,
                  <Popconfirm
                    key="delete"
                    title={t('fb.deleteDataset')}
                    onConfirm={() =>
                      feedback
                        .removeDataset(d.id)
                        .then(() => datasets.setData((list) => list?.filter((x) => x.id !== d.id)))
                        .catch((e) => message.error(errorText(e, t)))
                    }
                  >
                    <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
                  </Popconfirm>,
                ]}
              >
                <List.Item.Meta
                  title={d.name}
                  description={
                    <Space wrap size={4}>
                      <CountTags counts={d.counts} />
                      {d.scope === 'all' && <Tag>{t('fb.scope.all')}</Tag>}
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatDate(d.created_at)}
                      </Typography.Text>
                    </Space>
                  }
                />
              </List.Item>
            )}
          />
        </Card>
      </Col>
    </Row>
  );
}

/** train / held out / preference counts as tags. */
export function CountTags({ counts }: { counts: Record<string, number> | undefined }) {
  const { t } = useI18n();
  return (
    <>
      <Tag color="blue" data-testid="count-train">{t('fb.count.train', { n: counts?.train ?? 0 })}</Tag>
      <Tag color="purple" data-testid="count-held-out">{t('fb.count.heldOut', { n: counts?.held_out ?? 0 })}</Tag>
      <Tag color="gold" data-testid="count-preference">{t('fb.count.preference', { n: counts?.preference ?? 0 })}</Tag>
    </>
  );
}

type BuildValues = Pick<FeedbackDatasetCreate, 'name' | 'scope' | 'include_approved' | 'held_out_fraction'>;

function BuildForm({ admin, onBuilt }: { admin: boolean; onBuilt: (d: FeedbackDataset) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const submit = async (values: BuildValues) => {
    setBusy(true);
    try {
      const built = await feedback.build(values);
      message.success(t('fb.built', { name: built.name, n: built.samples.length }));
      onBuilt(built);
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title={t('fb.build')}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('fb.buildHint')}
      </Typography.Paragraph>
      <Form<BuildValues>
        layout="vertical"
        onFinish={submit}
        initialValues={{ scope: 'mine', include_approved: false, held_out_fraction: 0 }}
        data-testid="feedback-build-form"
      >
        <Form.Item name="name" label={t('fb.datasetName')} rules={[{ required: true, whitespace: true, message: t('auth.required') }]}>
          <Input maxLength={200} data-testid="feedback-build-name" />
        </Form.Item>
        <Row gutter={12}>
          {admin && (
            <Col xs={12}>
              <Form.Item name="scope" label={t('fb.scope')}>
                <Select
                  data-testid="feedback-build-scope"
                  options={[
                    { value: 'mine', label: t('fb.scope.mine') },
                    { value: 'all', label: t('fb.scope.all') },
                  ]}
                />
              </Form.Item>
            </Col>
          )}
          <Col xs={12}>
            <Form.Item name="held_out_fraction" label={t('fb.heldOutFraction')}>
              <InputNumber min={0} max={0.5} step={0.05} style={{ width: '100%' }} data-testid="feedback-build-held-out" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="include_approved" label={t('fb.includeApproved')} valuePropName="checked">
          <Switch data-testid="feedback-build-approved" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="feedback-build">
          {t('fb.buildButton')}
        </Button>
      </Form>
    </Card>
  );
}
