import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Empty, List, Row, Typography } from 'antd';
import { useState } from 'react';
import { knowledge } from '../api/client';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import type { KnowledgeBase } from '../api/types';
import { DocumentPanel } from './DocumentPanel';
import { NewKnowledgeBase } from './NewKnowledgeBase';
import { RetrievalSettings } from './RetrievalSettings';
import { SearchPlayground } from './SearchPlayground';

/** Knowledge bases (list / create / delete), their retrieval settings, documents and a search playground. */
export default function KnowledgePage() {
  const { t } = useI18n();
  const { modal } = App.useApp();
  const kbs = useResource(() => knowledge.list(), [], []);
  const embeddingModels = useResource(() => knowledge.embeddingModels(), [], []);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const selected = kbs.data?.find((k) => k.id === selectedId) ?? kbs.data?.[0];

  const created = (kb: KnowledgeBase) => {
    kbs.setData([...(kbs.data ?? []), kb]);
    setSelectedId(kb.id);
    setCreating(false);
  };
  const saved = (kb: KnowledgeBase) => kbs.setData((list) => (list ?? []).map((k) => (k.id === kb.id ? kb : k)));

  const remove = (id: number, name: string) =>
    modal.confirm({
      title: t('common.delete'),
      content: t('common.confirmDelete', { name }),
      okButtonProps: { danger: true },
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        await knowledge.remove(id);
        kbs.setData((kbs.data ?? []).filter((k) => k.id !== id));
      },
    });

  return (
    <div className="lm-page" data-testid="knowledge-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} md={7} xl={5}>
          <Card
            size="small"
            title={t('kb.title')}
            extra={<Button size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="kb-new" aria-label={t('kb.new')} />}
          >
            <List
              loading={kbs.loading && !kbs.data?.length}
              dataSource={kbs.data ?? []}
              locale={{ emptyText: t('common.empty') }}
              renderItem={(kb) => (
                <List.Item
                  data-testid="kb-item"
                  className={`lm-conv ${kb.id === selected?.id ? 'lm-conv-active' : ''}`}
                  onClick={() => setSelectedId(kb.id)}
                  actions={[
                    <Button
                      key="del"
                      size="small"
                      type="text"
                      danger
                      icon={<DeleteOutlined />}
                      aria-label={t('common.delete')}
                      onClick={(e) => {
                        e.stopPropagation();
                        remove(kb.id, kb.name);
                      }}
                    />,
                  ]}
                >
                  <Typography.Text ellipsis>{kb.name}</Typography.Text>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} md={17} xl={19}>
          {selected ? (
            <>
              <RetrievalSettings kb={selected} models={embeddingModels.data ?? []} onSaved={saved} />
              <DocumentPanel key={selected.id} kbId={selected.id} />
              <SearchPlayground key={`s${selected.id}`} kbId={selected.id} />
            </>
          ) : (
            <Empty description={t('kb.select')} />
          )}
        </Col>
      </Row>
      <NewKnowledgeBase open={creating} models={embeddingModels.data ?? []} onCreated={created} onCancel={() => setCreating(false)} />
    </div>
  );
}
