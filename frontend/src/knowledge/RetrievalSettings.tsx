import { SettingOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, InputNumber, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { knowledge } from '../api/client';
import type { EmbeddingModel, KnowledgeBase, SearchMode } from '../api/types';
import { errorText } from '../common/errors';
import { useI18n } from '../i18n';
import { EmbeddingModelLabel, SEARCH_MODES, modeLabel, thresholdText } from './retrieval';

interface Values {
  retrieval_mode: SearchMode;
  relevance_threshold: number | null;
}

interface Props {
  kb: KnowledgeBase;
  models: EmbeddingModel[];
  onSaved: (kb: KnowledgeBase) => void;
}

/** The selected knowledge base's retrieval settings in one line, and a dialog that changes mode and threshold. */
export function RetrievalSettings({ kb, models, onSaved }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const model = models.find((m) => m.id === kb.embedding_model);

  const save = async (values: Values) => {
    setBusy(true);
    try {
      onSaved(await knowledge.update(kb.id, { retrieval_mode: values.retrieval_mode, relevance_threshold: values.relevance_threshold ?? null }));
      setOpen(false);
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const modeOptions = SEARCH_MODES.map((mode) => ({
    value: mode,
    label: modeLabel(mode, t) + (mode === model?.recommended_mode ? ` · ${t('kb.recommended')}` : ''),
  }));
  return (
    <Card
      size="small"
      title={kb.name}
      style={{ marginBottom: 16 }}
      extra={
        <Button size="small" icon={<SettingOutlined />} onClick={() => setOpen(true)} data-testid="kb-settings">
          {t('kb.settings')}
        </Button>
      }
    >
      <Typography.Text type="secondary" data-testid="kb-settings-summary">
        {t('kb.summary', {
          model: kb.embedding_model,
          mode: modeLabel(kb.retrieval_mode, t),
          threshold: thresholdText(kb.relevance_threshold, model, t),
        })}
      </Typography.Text>
      <Modal
        open={open}
        title={t('kb.settings')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        okButtonProps={{ loading: busy, ...{ 'data-testid': 'kb-settings-save' } }}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          initialValues={{ retrieval_mode: kb.retrieval_mode, relevance_threshold: kb.relevance_threshold }}
          onFinish={(values) => void save(values)}
          clearOnDestroy
        >
          <Form.Item label={t('kb.embeddingModel')} extra={t('kb.embeddingFixed')}>
            {model ? <EmbeddingModelLabel model={model} /> : kb.embedding_model}
          </Form.Item>
          <Form.Item name="retrieval_mode" label={t('kb.searchMode')}>
            <Select options={modeOptions} data-testid="kb-settings-mode" />
          </Form.Item>
          <Form.Item label={t('kb.threshold')} extra={t('kb.thresholdHint')}>
            <Space.Compact block>
              <Form.Item name="relevance_threshold" noStyle>
                <InputNumber
                  min={0}
                  max={3}
                  step={0.05}
                  placeholder={thresholdText(null, model, t)}
                  style={{ flex: 1 }}
                  data-testid="kb-settings-threshold"
                />
              </Form.Item>
              <Button onClick={() => form.setFieldValue('relevance_threshold', null)} data-testid="kb-settings-threshold-reset">
                {t('kb.thresholdReset')}
              </Button>
            </Space.Compact>
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
