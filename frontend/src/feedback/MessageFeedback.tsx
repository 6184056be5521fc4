import { DislikeFilled, DislikeOutlined, FormOutlined, LikeFilled, LikeOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Radio, Tooltip } from 'antd';
import { useEffect, useState } from 'react';
import { feedback } from '../api/client';
import type { Feedback, FeedbackIn, Rating } from '../api/types';
import { errorText } from '../common/errors';
import { useI18n } from '../i18n';
import { conversationRatings, rememberRating } from './ratingCache';

const THUMB_ICONS = { up: [LikeOutlined, LikeFilled], down: [DislikeOutlined, DislikeFilled] } as const;

/** Thumbs up/down on a finished answer (a second click on the same thumb removes the rating), and a dialog for
 * a comment and "here is the right answer"; thumbs down opens it. */
export function MessageFeedback({ messageId, conversationId }: { messageId: number; conversationId: number }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [current, setCurrent] = useState<Feedback | null>(null);
  const [draft, setDraft] = useState<FeedbackIn | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<FeedbackIn>();

  useEffect(() => {
    let live = true;
    conversationRatings(conversationId)
      .then((ratings) => live && setCurrent(ratings.get(messageId) ?? null))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [conversationId, messageId]);

  const save = async (body: FeedbackIn | null) => {
    setBusy(true);
    try {
      const saved = body ? await feedback.rate(messageId, body) : null;
      if (!body) await feedback.remove(messageId);
      setCurrent(saved);
      rememberRating(conversationId, messageId, saved);
      return true;
    } catch (e) {
      message.error(errorText(e, t));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const openEditor = (rating: Rating) => {
    setDraft({ rating, comment: current?.comment ?? '', corrected_answer: current?.corrected_answer ?? '' });
  };

  const thumb = async (rating: Rating) => {
    if (current?.rating === rating) return void save(null);
    const kept = { comment: current?.comment, corrected_answer: current?.corrected_answer };
    if ((await save({ rating, ...kept })) && rating === 'down') openEditor('down');
  };

  const rating = current?.rating;
  return (
    <span style={{ display: 'inline-flex' }} data-testid="message-feedback" data-rating={rating ?? 'none'}>
      {(['up', 'down'] as const).map((thumbRating) => {
        const on = rating === thumbRating;
        const Icon = THUMB_ICONS[thumbRating][on ? 1 : 0];
        return (
          <Tooltip key={thumbRating} title={on ? t('fb.removeRating') : t(`fb.${thumbRating}` as const)}>
            <Button
              size="small"
              type="text"
              aria-pressed={on}
              disabled={busy}
              icon={<Icon />}
              onClick={() => void thumb(thumbRating)}
              data-testid={`feedback-${thumbRating}`}
            />
          </Tooltip>
        );
      })}
      <Tooltip title={t('fb.details')}>
        <Button
          size="small"
          type={current?.comment || current?.corrected_answer ? 'link' : 'text'}
          disabled={busy}
          icon={<FormOutlined />}
          onClick={() => openEditor(rating ?? 'down')}
          data-testid="feedback-details"
        />
      </Tooltip>
      <Modal
        open={draft !== null}
        title={t('fb.dialogTitle')}
        onCancel={() => setDraft(null)}
        destroyOnHidden
        footer={[
          current && (
            <Button
              key="remove"
              danger
              disabled={busy}
              data-testid="feedback-remove"
              onClick={() => void save(null).then((ok) => ok && setDraft(null))}
            >
              {t('fb.removeRating')}
            </Button>
          ),
          <Button key="cancel" onClick={() => setDraft(null)}>
            {t('common.cancel')}
          </Button>,
          <Button key="save" type="primary" loading={busy} onClick={() => form.submit()} data-testid="feedback-save">
            {t('common.save')}
          </Button>,
        ]}
      >
        <Form<FeedbackIn>
          form={form}
          layout="vertical"
          initialValues={draft ?? undefined}
          onFinish={(values) => void save(values).then((ok) => ok && setDraft(null))}
        >
          <Form.Item name="rating" label={t('fb.rating')}>
            <Radio.Group optionType="button" data-testid="feedback-rating">
              <Radio.Button value="up">
                <LikeOutlined /> {t('fb.up')}
              </Radio.Button>
              <Radio.Button value="down">
                <DislikeOutlined /> {t('fb.down')}
              </Radio.Button>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="corrected_answer" label={t('fb.corrected')} extra={t('fb.correctedHint')}>
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} maxLength={32000} data-testid="feedback-corrected" />
          </Form.Item>
          <Form.Item name="comment" label={t('fb.comment')}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={4000} data-testid="feedback-comment" />
          </Form.Item>
        </Form>
      </Modal>
    </span>
  );
}
