import { App, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { auth } from '../api/client';
import { requestReopen } from '../chat/lastConversation';
import { errorText, fieldProblems } from '../common/errors';
import { useI18n } from '../i18n';
import { useAuth } from './AuthContext';

/** The server's rule (app/kernel/passwords.py): 8-128 characters with a letter and a digit. */
const PASSWORD_RULE = /^(?=.*[A-Za-z])(?=.*\d).{10,128}$/;

interface Values {
  username: string;
  email?: string;
  password: string;
}

/** Sign-in and registration form (mode picks which). */
export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const { t } = useI18n();
  const { login } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const registered = (useLocation().state as { username?: string } | null)?.username;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();

  const submit = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      if (mode === 'register') {
        await auth.register({ username: v.username, email: v.email!, password: v.password });
        message.success(t('auth.registered'));
        navigate('/login', { state: { username: v.username } });
      } else {
        await login(v.username, v.password);
        requestReopen();
        navigate('/chat');
      }
    } catch (e) {
      // A field's own problem shows under that field; anything else above the button.
      const problems = fieldProblems(e).filter((p) => ['username', 'email', 'password'].includes(p.field));
      if (problems.length) form.setFields(problems.map((p) => ({ name: p.field as keyof Values, errors: [p.message] })));
      else setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const required = [{ required: true, message: t('auth.required') }];
  return (
    <div className="lm-auth">
      <Card style={{ width: 'min(380px, 92vw)' }}>
        <Typography.Title level={3} style={{ textAlign: 'center' }}>
          {t('app.name')}
        </Typography.Title>
        <Form form={form} layout="vertical" onFinish={submit} data-testid={`${mode}-form`} initialValues={{ username: registered }}>
          <Form.Item name="username" label={t('auth.username')} rules={required}>
            <Input autoComplete="username" data-testid="auth-username" />
          </Form.Item>
          {mode === 'register' && (
            <Form.Item name="email" label={t('auth.email')} rules={[...required, { type: 'email' }]}>
              <Input autoComplete="email" data-testid="auth-email" />
            </Form.Item>
          )}
          <Form.Item
            name="password"
            label={t('auth.password')}
            rules={mode === 'register' ? [...required, { pattern: PASSWORD_RULE, message: t('auth.passwordRule') }] : required}
            extra={mode === 'register' ? <span data-testid="auth-password-rule">{t('auth.passwordRule')}</span> : undefined}
          >
            <Input.Password
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              data-testid="auth-password"
            />
          </Form.Item>
          {error && (
            <Typography.Paragraph type="danger" data-testid="auth-error">
              {error}
            </Typography.Paragraph>
          )}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="auth-submit">
            {mode === 'login' ? t('auth.login') : t('auth.register')}
          </Button>
        </Form>
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Link to={mode === 'login' ? '/register' : '/login'} data-testid="auth-switch">
            {mode === 'login' ? t('auth.noAccount') : t('auth.haveAccount')}
          </Link>
        </div>
      </Card>
    </div>
  );
}
