import { Card, Col, Empty, Input, InputNumber, List, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { knowledge } from '../api/client';
import type { SearchHit, SearchMode } from '../api/types';
import { useI18n } from '../i18n';
import { SEARCH_MODES as MODES, modeLabel } from './retrieval';

type Results = Partial<Record<SearchMode, SearchHit[] | Error>>;

/** Runs one query in the three retrieval modes and shows the results side by side. */
export function SearchPlayground({ kbId }: { kbId: number }) {
  const { t } = useI18n();
  const [k, setK] = useState(5);
  const [results, setResults] = useState<Results>({});
  const [loading, setLoading] = useState(false);
  const [emptyQuery, setEmptyQuery] = useState(false);

  const search = async (query: string) => {
    setEmptyQuery(!query.trim());
    if (!query.trim()) return setResults({});
    setLoading(true);
    const settled = await Promise.allSettled(MODES.map((m) => knowledge.search(kbId, query, m, k)));
    setResults(Object.fromEntries(settled.map((r, i) => [MODES[i], r.status === 'fulfilled' ? r.value : (r.reason as Error)])));
    setLoading(false);
  };

  return (
    <Card size="small" title={t('kb.search')} data-testid="search-playground">
      <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
        <Input.Search placeholder={t('kb.searchPlaceholder')} enterButton loading={loading} onSearch={search} data-testid="kb-search-input" />
        <InputNumber min={1} max={50} value={k} onChange={(v) => setK(v ?? 5)} style={{ width: 72 }} aria-label="k" />
      </Space.Compact>
      {emptyQuery && (
        <Typography.Paragraph type="secondary" data-testid="kb-search-empty">
          {t('kb.emptyQuery')}
        </Typography.Paragraph>
      )}
      <Row gutter={[12, 12]}>
        {MODES.map((mode) => (
          <Col xs={24} lg={8} key={mode}>
            <ModeResults title={modeLabel(mode, t)} result={results[mode]} />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

function ModeResults({ title, result }: { title: string; result: SearchHit[] | Error | undefined }) {
  const { t } = useI18n();
  return (
    <Card size="small" type="inner" title={title} data-testid="search-column">
      {result instanceof Error ? (
        <Typography.Text type="danger">{result.message}</Typography.Text>
      ) : !result ? null : result.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('kb.noResults')} />
      ) : (
        <List
          size="small"
          dataSource={result}
          renderItem={(hit, i) => (
            <List.Item>
              <div style={{ minWidth: 0 }}>
                <Typography.Text strong>
                  {i + 1}. {hit.filename}
                  {hit.page != null && ` · ${t('chat.page', { page: hit.page })}`}
                  {hit.heading && ` · ${hit.heading}`}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ float: 'right', fontSize: 12 }}>
                  {t('kb.score', { score: hit.score.toFixed(3) })}
                </Typography.Text>
                <Typography.Paragraph ellipsis={{ rows: 3, expandable: true }} style={{ margin: 0, fontSize: 13 }}>
                  {hit.text}
                </Typography.Paragraph>
              </div>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
