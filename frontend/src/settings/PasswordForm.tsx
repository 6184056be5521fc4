import { App, Button, Card, Form, Input } from 'antd';
import { users } from '../api/client';
import { useI18n } from '../i18n';
import { errorText } from '../common/errors';

export function PasswordForm() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ current: string; next: string }>();
  const submit = async ({ current, next }: { current: string; next: string }) => {
    try {
      await users.changePassword(current, next);
      message.success(t('settings.passwordChanged'));
      form.resetFields();
    } catch (e) {
      message.error(errorText(e, t));
    }
  };
  const required = [{ required: true, message: t('auth.required') }];
  return (
    <Card size="small" title={t('settings.password')}>
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="current" label={t('settings.currentPassword')} rules={required}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item
          name="next"
          label={t('settings.newPassword')}
          rules={[...required, { pattern: /^(?=.*[A-Za-z])(?=.*\d).{10,128}$/, message: t('auth.passwordRule') }]}
          extra={t('auth.passwordRule')}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
}
