import { Button, Drawer, Form, Input, InputNumber, Slider, Space, Typography } from 'antd';
import { useEffect } from 'react';
import type { ConversationPublic, ConversationUpdate, ModelInfo } from '../api/types';
import { useI18n } from '../i18n';

/** The settings a conversation can override; empty = the model entry's default. */
export interface SamplingSettings {
  system_prompt: string | null;
  temperature: number | null;
  top_p: number | null;
  max_tokens: number | null;
}

/** What the server uses when the conversation leaves a setting empty (the model entry's `generation`). */
export function modelDefaults(model: ModelInfo | undefined): { temperature: number; top_p: number; max_tokens: number } {
  const g = (model?.generation ?? {}) as Record<string, unknown>;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);
  return { temperature: num(g.temperature, 0.7), top_p: num(g.top_p, 1), max_tokens: num(g.max_new_tokens, 512) };
}

/** The PATCH body for a form's values: blanks become null (back to the model default). */
export function settingsPatch(values: Partial<SamplingSettings>): ConversationUpdate {
  const prompt = values.system_prompt?.trim();
  return {
    system_prompt: prompt ? prompt : null,
    temperature: values.temperature ?? null,
    top_p: values.top_p ?? null,
    max_tokens: values.max_tokens ?? null,
  };
}

interface Props {
  open: boolean;
  conversation: ConversationPublic;
  model: ModelInfo | undefined;
  onClose: () => void;
  onSave: (patch: ConversationUpdate) => Promise<void>;
}

/** Per-conversation system prompt and sampling, saved on the conversation and applied by the server. */
export function ChatSettings({ open, conversation, model, onClose, onSave }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<SamplingSettings>();
  const defaults = modelDefaults(model);
  const maxTokens = Math.min(8192, model?.context_length ?? 8192);

  useEffect(() => {
    if (open)
      form.setFieldsValue({
        system_prompt: conversation.system_prompt,
        temperature: conversation.temperature,
        top_p: conversation.top_p,
        max_tokens: conversation.max_tokens,
      });
  }, [open, conversation, form]);

  const save = async () => {
    await onSave(settingsPatch(await form.validateFields()));
    onClose();
  };
  const numberRow = (name: 'temperature' | 'top_p', min: number, max: number, step: number) => (
    <Form.Item label={t(`chat.settings.${name}`)} extra={t('chat.settings.default', { value: defaults[name] })}>
      <Space.Compact block>
        <Form.Item name={name} noStyle>
          <Slider min={min} max={max} step={step} style={{ flex: 1, marginRight: 12 }} />
        </Form.Item>
        <Form.Item name={name} noStyle>
          <InputNumber min={min} max={max} step={step} placeholder={String(defaults[name])} data-testid={`settings-${name}`} style={{ width: 96 }} />
        </Form.Item>
      </Space.Compact>
    </Form.Item>
  );

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={t('chat.settings.title')}
      width={400}
      destroyOnHidden
      data-testid="chat-settings-drawer"
      extra={
        <Button type="primary" onClick={() => void save()} data-testid="settings-save">
          {t('common.save')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('chat.settings.hint', { model: model?.display_name ?? conversation.model ?? '' })}</Typography.Paragraph>
      <Form form={form} layout="vertical" requiredMark={false}>
        <Form.Item name="system_prompt" label={t('chat.settings.system_prompt')} rules={[{ max: 8000 }]}>
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} placeholder={t('chat.settings.systemPlaceholder')} data-testid="settings-system-prompt" />
        </Form.Item>
        {numberRow('temperature', 0, 2, 0.05)}
        {numberRow('top_p', 0.01, 1, 0.01)}
        <Form.Item
          name="max_tokens"
          label={t('chat.settings.max_tokens')}
          extra={t('chat.settings.default', { value: defaults.max_tokens })}
        >
          <InputNumber min={1} max={maxTokens} placeholder={String(defaults.max_tokens)} style={{ width: '100%' }} data-testid="settings-max-tokens" />
        </Form.Item>
        <Button onClick={() => form.setFieldsValue({ temperature: null, top_p: null, max_tokens: null })} data-testid="settings-reset">
          {t('chat.settings.reset')}
        </Button>
      </Form>
    </Drawer>
  );
}
