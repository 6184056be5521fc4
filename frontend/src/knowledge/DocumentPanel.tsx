import { App, Card, Progress, type UploadFile, type UploadProps } from 'antd';
import { useState } from 'react';
import { knowledge } from '../api/client';
import type { DocumentPublic } from '../api/types';
import { DropZone } from '../common/DropZone';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { DocumentTable } from './DocumentTable';

type UploadRequestOption = Parameters<NonNullable<UploadProps['customRequest']>>[0];

/** Drag-and-drop multi-file upload (one request per file, each with its own progress) and the document table. */
export function DocumentPanel({ kbId }: { kbId: number }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const docs = useResource(() => knowledge.documents(kbId), [kbId], []);
  // Only uploads in flight or failed stay in the widget's list; an uploaded file is a row of the table.
  const [uploads, setUploads] = useState<UploadFile[]>([]);

  const upload = async (opt: UploadRequestOption) => {
    const file = opt.file as File;
    try {
      const created = await knowledge.upload(kbId, [file], (percent) => opt.onProgress?.({ percent }));
      opt.onSuccess?.(created);
      docs.setData((list) => [...created, ...(list ?? []).filter((d) => !created.some((c) => c.id === d.id))]);
    } catch (e) {
      opt.onError?.(e as Error);
      message.error(`${file.name}: ${(e as Error).message}`);
    }
  };

  const replace = (doc: DocumentPublic) => docs.setData((list) => (list ?? []).map((d) => (d.id === doc.id ? doc : d)));
  const remove = (id: number) => docs.setData((list) => (list ?? []).filter((d) => d.id !== id));

  return (
    <Card size="small" title={t('kb.documents')} style={{ marginBottom: 16 }}>
      <DropZone
        multiple
        customRequest={(opt) => void upload(opt)}
        fileList={uploads}
        onChange={({ fileList }) => setUploads(fileList.filter((f) => f.status !== 'done'))}
        showUploadList={{ showRemoveIcon: true }}
        progress={{ strokeWidth: 3, showInfo: true, format: (p) => `${Math.round(p ?? 0)}%` }}
        text={t('kb.dropFiles')}
        hint={t('kb.dropHint')}
        data-testid="kb-upload"
      />
      {docs.loading && !docs.data?.length ? <Progress percent={100} status="active" showInfo={false} /> : null}
      <DocumentTable documents={docs.data ?? []} onChange={replace} onRemoved={remove} />
    </Card>
  );
}
