import { Modal, type ModalProps } from 'antd';
import { useI18n } from '../i18n';

/** A dialog whose OK button creates what the form in it describes: "Create" and "Cancel". */
export function CreateModal(props: Omit<ModalProps, 'okText' | 'cancelText'>) {
  const { t } = useI18n();
  return <Modal okText={t('common.create')} cancelText={t('common.cancel')} {...props} />;
}
