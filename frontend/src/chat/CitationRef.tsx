import { Popover, Typography } from 'antd';
import type { Citation } from '../api/types';
import { useI18n } from '../i18n';

/** A footnote marker `[n]` whose popover names the document, the page and the snippet. */
export function CitationRef({ citation }: { citation: Citation }) {
  const { t } = useI18n();
  const content = (
    <div className="lm-citation-popover" data-testid="citation-popover">
      <Typography.Text strong>{citation.document_name}</Typography.Text>
      {citation.page != null && <Typography.Text type="secondary"> · {t('chat.page', { page: citation.page })}</Typography.Text>}
      <Typography.Paragraph className="lm-citation-snippet">{citation.snippet}</Typography.Paragraph>
    </div>
  );
  return (
    <Popover content={content} trigger={['hover', 'click']}>
      <sup>
        <a className="lm-cite" data-testid="citation-ref" role="button" tabIndex={0} onClick={(e) => e.preventDefault()}>
          [{citation.n}]
        </a>
      </sup>
    </Popover>
  );
}
