import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, InputNumber, Radio, Select } from 'antd';
import { useState } from 'react';
import { models as api } from '../api/client';
import type { ModelSpec } from '../api/types';
import { CreateModal } from '../common/CreateModal';
import { fieldProblems, errorText } from '../common/errors';
import { useI18n } from '../i18n';

type Kind = 'local' | 'remote';

interface Values {
  kind: Kind;
  id: string;
  display_name?: string;
  path?: string;
  quantization?: ModelSpec['quantization'];
  context_length?: number;
  base_url?: string;
  remote_model?: string;
  api_key_env?: string;
}

/** The registry entry for the form: a model directory on the server, or an OpenAI-compatible backend. */
export function specFromForm(v: Values): Partial<ModelSpec> & { id: string } {
  const common = { id: v.id.trim(), display_name: v.display_name?.trim() || undefined, context_length: v.context_length ?? undefined };
  if (v.kind === 'local') return { ...common, source: `dir:${v.path!.trim()}`, quantization: v.quantization ?? 'none' };
  return {
    ...common,
    backend: 'openai',
    base_url: v.base_url!.trim(),
    remote_model: v.remote_model?.trim() || undefined,
    api_key_env: v.api_key_env?.trim() || undefined,
  };
}

/** Admin: adds a model entry (workers pick it up at once). */
export function AddModel({ onAdded }: { onAdded: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? 'local';

  const submit = async (v: Values) => {
    setBusy(true);
    try {
      const added = await api.add(specFromForm(v));
      message.success(t('models.added', { id: added.id }));
      setOpen(false);
      form.resetFields();
      onAdded();
    } catch (e) {
      const problems = fieldProblems(e).map((p) => ({ ...p, field: p.field === 'source' ? 'path' : p.field }));
      const known = problems.filter((p) => ['id', 'display_name', 'path', 'base_url', 'context_length'].includes(p.field));
      if (known.length) form.setFields(known.map((p) => ({ name: p.field as keyof Values, errors: [p.message] })));
      else message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const required = [{ required: true, message: t('auth.required') }];
  return (
    <>
      <Button icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="model-add">
        {t('models.add')}
      </Button>
      <CreateModal
        open={open}
        title={t('models.add')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        okButtonProps={{ loading: busy, ...{ 'data-testid': 'model-add-ok' } }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ kind: 'local', quantization: 'none' }} onFinish={submit} requiredMark={false}>
          <Form.Item name="kind">
            <Radio.Group optionType="button" data-testid="model-add-kind">
              <Radio.Button value="local">{t('models.kind.local')}</Radio.Button>
              <Radio.Button value="remote">
                {t('models.kind.remote')}
              </Radio.Button>
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="id"
            label={t('models.id')}
            extra={t('models.idHint')}
            rules={[...required, { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, message: t('models.idHint') }]}
          >
            <Input placeholder="my-model" data-testid="model-add-id" />
          </Form.Item>
          <Form.Item name="display_name" label={t('models.displayName')}>
            <Input data-testid="model-add-name" />
          </Form.Item>
          {kind === 'local' ? (
            <>
              <Form.Item name="path" label={t('models.path')} extra={t('models.pathHint')} rules={required}>
                <Input placeholder="/models/my-model" data-testid="model-add-path" />
              </Form.Item>
              <Form.Item name="quantization" label={t('models.quantization')}>
                <Select options={['none', '4bit', '8bit'].map((q) => ({ value: q, label: q }))} />
              </Form.Item>
            </>
          ) : (
            <>
              <Form.Item
                name="base_url"
                label={t('models.baseUrl')}
                extra={t('models.baseUrlHint')}
                rules={[...required, { pattern: /^https?:\/\/\S+$/, message: t('models.baseUrlHint') }]}
              >
                <Input placeholder="http://vllm.internal:8000/v1" data-testid="model-add-url" />
              </Form.Item>
              <Form.Item name="remote_model" label={t('models.remoteModel')}>
                <Input placeholder="Qwen/Qwen2.5-7B-Instruct" />
              </Form.Item>
              <Form.Item name="api_key_env" label={t('models.apiKeyEnv')} extra={t('models.apiKeyEnvHint')}>
                <Input placeholder="REMOTE_API_KEY" />
              </Form.Item>
            </>
          )}
          <Form.Item name="context_length" label={t('models.contextLength')}>
            <InputNumber min={1} style={{ width: '100%' }} />
          </Form.Item>
        </Form>
      </CreateModal>
    </>
  );
}
