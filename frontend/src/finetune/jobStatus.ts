import type { FinetuneJob, StatusEventData } from '../api/types';
import { queueFields } from '../common/queue';
import type { Translate } from '../i18n';

/** The job after a `status` event: queue position and reason while queued; `preparing` (model download) and
 * `running` both mean a training worker took it. Other states leave the job as it is. */
export function jobFromStatus(job: FinetuneJob, data: StatusEventData): FinetuneJob {
  if (data.state === 'queued') return { ...job, status: 'queued', ...queueFields(data) };
  if (data.state === 'preparing' || data.state === 'running') return { ...job, status: 'running', ...queueFields(data) };
  return job;
}

/** The dataset's name; "Dataset deleted" once it is gone (the job and its adapter stay). */
export function datasetLabel(job: Pick<FinetuneJob, 'dataset_name'>, t: Translate): string {
  return job.dataset_name ?? t('ft.datasetDeleted');
}
