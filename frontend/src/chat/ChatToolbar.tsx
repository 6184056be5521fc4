import { UnorderedListOutlined } from '@ant-design/icons';
import { Button, Select } from 'antd';
import type { ConversationPublic, ConversationUpdate, KnowledgeBase, ModelInfo, Planner } from '../api/types';
import { useI18n } from '../i18n';

interface Props {
  conversation: ConversationPublic;
  models: ModelInfo[];
  knowledgeBases: KnowledgeBase[];
  /** Mobile only: opens the conversation drawer. */
  onOpenList?: () => void;
  onChange: (patch: ConversationUpdate) => void;
}

const PLANNERS: Planner[] = ['none', 'deterministic', 'llm'];

/** Per-conversation model, knowledge-base and agent pickers (saved with PATCH /conversations/{id}). */
export function ChatToolbar({ conversation, models, knowledgeBases, onOpenList, onChange }: Props) {
  const { t } = useI18n();
  return (
    <div className="lm-chat-toolbar">
      {onOpenList && (
        <Button icon={<UnorderedListOutlined />} onClick={onOpenList} aria-label={t('chat.conversations')} data-testid="open-conversations" />
      )}
      <Select
        data-testid="model-picker"
        className="lm-picker"
        placeholder={t('chat.model')}
        value={conversation.model ?? undefined}
        onChange={(model: string) => onChange({ model })}
        options={models.map((m) => ({ value: m.id, label: m.display_name || m.id, disabled: !m.present }))}
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
        onChange={(ids: number[]) => onChange({ knowledge_base_ids: ids })}
        options={knowledgeBases.map((kb) => ({ value: kb.id, label: kb.name }))}
        popupMatchSelectWidth={false}
      />
      <Select<Planner>
        data-testid="planner-picker"
        className="lm-picker lm-picker-small"
        value={conversation.planner ?? 'none'}
        onChange={(planner) => onChange({ planner })}
        options={PLANNERS.map((p) => ({ value: p, label: t(`chat.planner.${p}` as const) }))}
        popupMatchSelectWidth={false}
      />
    </div>
  );
}
