import { Col, Row } from 'antd';
import { ApiKeys } from './ApiKeys';
import { Appearance } from './Appearance';
import { PasswordForm } from './PasswordForm';

export default function SettingsPage() {
  return (
    <div className="lm-page" data-testid="settings-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <ApiKeys />
        </Col>
        <Col xs={24} lg={10}>
          <Appearance />
          <PasswordForm />
        </Col>
      </Row>
    </div>
  );
}
