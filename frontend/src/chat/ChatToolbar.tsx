import { SlidersOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Button, Select, Tooltip } from 'antd';
import { useState } from 'react';
import type { ConversationPublic, ConversationUpdate, KnowledgeBase, ModelInfo, Planner } from '../api/types';
import { useI18n } from '../i18n';
import { ChatSettings } from './ChatSettings';
import { modelOptions } from './modelOptions';
import { useShortcuts } from './shortcuts';

interface Props {
  conversation: ConversationPublic;
  models: ModelInfo[];
  knowledgeBases: KnowledgeBase[];
  /** Mobile only: opens the conversation drawer. */
  onOpenList?: () => void;
  onChange: (patch: ConversationUpdate) => Promise<void>;
}

const PLANNERS: Planner[] = ['none', 'deterministic', 'llm'];

/** Per-conversation model, knowledge-base and agent pickers (saved with PATCH /conversations/{id}), and the settings dialog. */
export function ChatToolbar({ conversation, models, knowledgeBases, onOpenList, onChange }: Props) {
  const { t } = useI18n();
  const [settingsOpen, setSettingsOpen] = useState(false);
  useShortcuts({ settings: () => setSettingsOpen(true) });
  const current = models.find((m) => m.id === conversation.model);
  const customised = [conversation.system_prompt, conversation.temperature, conversation.top_p, conversation.max_tokens].some(
    (v) => v !== null && v !== undefined && v !== '',
  );
  return (
    <div className="lm-chat-toolbar">
      <div className="lm-chat-toolbar-inner" data-testid="chat-toolbar">
        {onOpenList && (
          <Button icon={<UnorderedListOutlined />} onClick={onOpenList} aria-label={t('chat.conversations')} data-testid="open-conversations" />
        )}
        <Select
          data-testid="model-picker"
          className="lm-picker"
          placeholder={t('chat.model')}
          value={conversation.model ?? undefined}
          onChange={(model: string) => void onChange({ model })}
          options={modelOptions(models, t)}
          optionLabelProp="title"
          popupMatchSelectWidth={false}
        />
        <Select
          data-testid="kb-picker"
          className="lm-picker"
          mode="multiple"
          allowClear
          maxTagCount="responsive"
          placeholder={t('chat.noKnowledge')}
          value={conversation.knowledge_base_ids ?? []}
          onChange={(ids: number[]) => void onChange({ knowledge_base_ids: ids })}
          options={knowledgeBases.map((kb) => ({ value: kb.id, label: kb.name }))}
          popupMatchSelectWidth={false}
        />
        <Select<Planner>
          data-testid="planner-picker"
          className="lm-picker lm-picker-small"
          value={conversation.planner ?? 'none'}
          onChange={(planner) => void onChange({ planner })}
          options={PLANNERS.map((p) => ({ value: p, label: t(`chat.planner.${p}` as const) }))}
          popupMatchSelectWidth={false}
        />
        <Tooltip title={t('chat.settings.title')}>
          <Button
            icon={<SlidersOutlined />}
            type={customised ? 'primary' : 'default'}
            ghost={customised}
            onClick={() => setSettingsOpen(true)}
            aria-label={t('chat.settings.title')}
            data-testid="chat-settings"
          />
        </Tooltip>
      </div>
      <ChatSettings open={settingsOpen} conversation={conversation} model={current} onClose={() => setSettingsOpen(false)} onSave={onChange} />
    </div>
  );
}
