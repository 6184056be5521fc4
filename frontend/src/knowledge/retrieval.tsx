import type { EmbeddingModel, SearchMode } from '../api/types';
import { OptionLabel } from '../common/OptionLabel';
import { useI18n, type Translate } from '../i18n';

export const SEARCH_MODES: SearchMode[] = ['dense', 'bm25', 'hybrid'];

export const modeLabel = (mode: SearchMode, t: Translate) => t(`kb.mode.${mode}` as const);

/** What an embedding model is good for, in one line. */
export function embeddingHint(model: EmbeddingModel, t: Translate): string {
  if (model.ensemble) return t('kb.embedding.ensemble');
  return t(model.multilingual ? 'kb.embedding.multilingual' : 'kb.embedding.english');
}

/** An embedding model's id, the server's default marked, over what it is good for. */
export function EmbeddingModelLabel({ model }: { model: EmbeddingModel }) {
  const { t } = useI18n();
  return (
    <OptionLabel
      name={model.id}
      marker={model.is_default && t('models.default')}
      note={embeddingHint(model, t)}
      testId={`embedding-option-${model.id}`}
    />
  );
}

/** A knowledge base's relevance threshold; null reads "default (X)", X its embedding model's default. */
export function thresholdText(threshold: number | null, model: EmbeddingModel | undefined, t: Translate): string {
  if (threshold !== null) return String(threshold);
  return model ? t('kb.thresholdDefault', { value: model.default_threshold }) : t('models.default');
}
