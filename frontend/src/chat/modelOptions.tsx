import type { ModelInfo } from '../api/types';
import { OptionLabel } from '../common/OptionLabel';
import type { Translate } from '../i18n';

/**
 * Model picker options: the server's default marked, models that cannot run disabled with the reason shown,
 * and the id added where two entries share a display name.
 */
export function modelOptions(models: ModelInfo[], t: Translate) {
  const names = new Map<string, number>();
  for (const m of models) names.set(m.display_name, (names.get(m.display_name) ?? 0) + 1);
  return models.map((m) => {
    const name = m.display_name || m.id;
    const title = (names.get(m.display_name) ?? 0) > 1 ? `${name} (${m.id})` : name;
    return {
      value: m.id,
      title,
      disabled: !m.runnable,
      label: (
        <OptionLabel
          name={title}
          marker={m.is_default && t('models.default')}
          note={m.unavailable_reason}
          testId={`model-option-${m.id}`}
        />
      ),
    };
  });
}
