import { Typography } from 'antd';
import type { ModelInfo } from '../api/types';
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
        <div className="lm-model-option" data-testid={`model-option-${m.id}`}>
          <span>
            {title}
            {m.is_default && <Typography.Text type="secondary"> · {t('models.default')}</Typography.Text>}
          </span>
          {m.unavailable_reason && (
            <Typography.Text type="secondary" className="lm-model-reason">
              {m.unavailable_reason}
            </Typography.Text>
          )}
        </div>
      ),
    };
  });
}
