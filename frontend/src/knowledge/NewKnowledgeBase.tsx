import { App, Form, Input, Select } from 'antd';
import { useEffect } from 'react';
import { knowledge } from '../api/client';
import type { EmbeddingModel, KnowledgeBase, SearchMode } from '../api/types';
import { CreateModal } from '../common/CreateModal';
import { errorText } from '../common/errors';
import { useI18n } from '../i18n';
import { EmbeddingModelLabel, SEARCH_MODES, embeddingHint, modeLabel } from './retrieval';

/** The search mode choice that sends none: the server picks the embedding model's best. */
const AUTOMATIC = 'automatic';

interface Values {
  name: string;
  description?: string;
  embedding_model?: string;
  retrieval_mode: SearchMode | typeof AUTOMATIC;
}

interface Props {
  open: boolean;
  models: EmbeddingModel[];
  onCreated: (kb: KnowledgeBase) => void;
  onCancel: () => void;
}

/** The "new knowledge base" dialog: name, description, embedding model (fixed once created) and search mode. */
export function NewKnowledgeBase({ open, models, onCreated, onCancel }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const chosenId = Form.useWatch('embedding_model', form);
  const chosen = models.find((m) => m.id === chosenId);
  const defaultId = models.find((m) => m.is_default)?.id;

  // The models arrive after the form exists, and a reset clears the choice: preselect the default then.
  useEffect(() => {
    if (chosenId === undefined && defaultId) form.setFieldValue('embedding_model', defaultId);
  }, [chosenId, defaultId, form]);

  const create = async () => {
    const { retrieval_mode, ...values } = await form.validateFields();
    try {
      const kb = await knowledge.create(retrieval_mode === AUTOMATIC ? values : { ...values, retrieval_mode });
      form.resetFields();
      onCreated(kb);
    } catch (e) {
      message.error(errorText(e, t));
    }
  };

  const automatic = t('kb.mode.auto') + (chosen ? ` · ${modeLabel(chosen.recommended_mode, t)}` : '');
  return (
    <CreateModal open={open} title={t('kb.new')} onOk={create} onCancel={onCancel} okButtonProps={{ 'data-testid': 'kb-create-ok' }} forceRender>
      <Form form={form} layout="vertical" initialValues={{ retrieval_mode: AUTOMATIC }}>
        <Form.Item name="name" label={t('common.name')} rules={[{ required: true, message: t('auth.required') }]}>
          <Input data-testid="kb-name" />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea autoSize />
        </Form.Item>
        <Form.Item
          name="embedding_model"
          label={t('kb.embeddingModel')}
          extra={
            <>
              {chosen && <div data-testid="kb-embedding-hint">{embeddingHint(chosen, t)}</div>}
              {t('kb.embeddingFixed')}
            </>
          }
        >
          <Select
            data-testid="kb-embedding-model"
            options={models.map((m) => ({ value: m.id, title: m.id, label: <EmbeddingModelLabel model={m} /> }))}
            optionLabelProp="title"
          />
        </Form.Item>
        <Form.Item name="retrieval_mode" label={t('kb.searchMode')}>
          <Select
            data-testid="kb-search-mode"
            options={[{ value: AUTOMATIC, label: automatic }, ...SEARCH_MODES.map((mode) => ({ value: mode, label: modeLabel(mode, t) }))]}
          />
        </Form.Item>
      </Form>
    </CreateModal>
  );
}
