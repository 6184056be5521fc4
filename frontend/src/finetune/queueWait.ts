import type { FinetuneJob } from '../api/types';
import type { Translate } from '../i18n';

/** What a queued job waits for, in words: no worker, the job training now (with its step), or jobs ahead. */
export function queueWaitText(job: Pick<FinetuneJob, 'status' | 'waiting_for'>, t: Translate): string | null {
  const wait = job.waiting_for;
  if (job.status !== 'queued' || !wait) return null;
  const ahead = wait.ahead ? t('ft.wait.ahead', { n: wait.ahead }) : null;
  let reason: string;
  if (wait.reason === 'no_worker') reason = t('ft.wait.noWorker');
  else if (wait.reason === 'job_running')
    reason =
      wait.step != null && wait.total_steps != null
        ? t('ft.wait.jobRunningStep', { id: wait.job_id ?? '?', step: wait.step, total: wait.total_steps })
        : t('ft.wait.jobRunning', { id: wait.job_id ?? '?' });
  else if (wait.reason === 'jobs_ahead') return ahead;
  else reason = t('ft.wait.pickup');
  return ahead ? `${reason} · ${ahead}` : reason;
}
