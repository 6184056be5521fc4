import { DislikeFilled, LikeFilled } from '@ant-design/icons';
import { Alert, List, Segmented, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { feedback } from '../api/client';
import type { Rating } from '../api/types';
import { errorText } from '../common/errors';
import { formatDate } from '../common/format';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { questionOf } from './feedbackLogic';

const PAGE_SIZE = 20;

/** The user's own ratings, newest first, filtered by thumb; each links to its conversation. */
export function MyFeedbackTab() {
  const { t, lang } = useI18n();
  const [rating, setRating] = useState<Rating | 'all'>('all');
  const [page, setPage] = useState(1);
  const list = useResource(
    () => feedback.list({ rating: rating === 'all' ? undefined : rating, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    [rating, page],
  );

  return (
    <>
      <Segmented<Rating | 'all'>
        data-testid="feedback-filter"
        value={rating}
        onChange={(value) => {
          setRating(value);
          setPage(1);
        }}
        options={[
          { value: 'all', label: t('fb.filter.all') },
          { value: 'up', label: <span data-testid="feedback-filter-up">{t('fb.up')}</span> },
          { value: 'down', label: <span data-testid="feedback-filter-down">{t('fb.down')}</span> },
        ]}
        style={{ marginBottom: 12 }}
      />
      {list.error && <Alert type="error" showIcon message={errorText(list.error, t)} style={{ marginBottom: 12 }} />}
      <List
        data-testid="feedback-list"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('fb.empty') }}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: list.data?.total ?? 0,
          onChange: setPage,
          hideOnSinglePage: true,
          size: 'small',
        }}
        renderItem={(f) => (
          <List.Item data-testid="feedback-item" data-rating={f.rating} data-message-id={f.message_id}>
            <div style={{ width: '100%', minWidth: 0 }}>
              <Space wrap size={4}>
                {f.rating === 'up' ? (
                  <Tag color="green" icon={<LikeFilled />}>{t('fb.up')}</Tag>
                ) : (
                  <Tag color="red" icon={<DislikeFilled />}>{t('fb.down')}</Tag>
                )}
                {f.corrected_answer && <Tag color="blue">{t('fb.correctedTag')}</Tag>}
                {f.model && <Tag>{f.model}</Tag>}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {formatDate(f.updated_at, lang)}
                </Typography.Text>
                <Link to={`/chat/${f.conversation_id}`} data-testid="feedback-open-conversation">
                  {t('fb.openConversation')}
                </Link>
              </Space>
              <Typography.Paragraph strong ellipsis={{ rows: 2 }} style={{ margin: '6px 0 2px' }}>
                {questionOf(f.prompt)}
              </Typography.Paragraph>
              <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ margin: 0 }}>
                {f.answer}
              </Typography.Paragraph>
              {f.corrected_answer && (
                <Typography.Paragraph ellipsis={{ rows: 3 }} style={{ margin: '4px 0 0' }} data-testid="feedback-corrected-text">
                  <Typography.Text type="success">{t('fb.corrected')}: </Typography.Text>
                  {f.corrected_answer}
                </Typography.Paragraph>
              )}
              {f.comment && (
                <Typography.Paragraph type="secondary" italic style={{ margin: '4px 0 0' }}>
                  {f.comment}
                </Typography.Paragraph>
              )}
            </div>
          </List.Item>
        )}
      />
    </>
  );
}
