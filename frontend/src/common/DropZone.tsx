import { InboxOutlined } from '@ant-design/icons';
import { Upload, type UploadProps } from 'antd';

/** A drag-and-drop upload area: the inbox icon, a line saying what to drop and a hint below it. */
export function DropZone({ text, hint, ...props }: UploadProps & { text: string; hint: string }) {
  return (
    <Upload.Dragger {...props}>
      <p className="ant-upload-drag-icon">
        <InboxOutlined />
      </p>
      <p className="ant-upload-text">{text}</p>
      <p className="ant-upload-hint">{hint}</p>
    </Upload.Dragger>
  );
}
