import { describe, expect, it } from 'vitest';
import { translate } from '../i18n';
import { jobFixture } from '../test/fixtures';
import { queueWaitText } from './queueWait';

const t = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', key, vars);
const queued = (waiting_for: NonNullable<ReturnType<typeof jobFixture>['waiting_for']>) => jobFixture({ id: 7, status: 'queued', waiting_for });

describe('queueWaitText', () => {
  it('names the job that is training, with its step', () => {
    const job = queued({ reason: 'job_running', ahead: 0, job_id: 12, step: 40, total_steps: 100 });
    expect(queueWaitText(job, t)).toBe('Another job is training (job #12, step 40/100)');
  });
  it('says when no worker runs and how many jobs go first', () => {
    expect(queueWaitText(queued({ reason: 'no_worker', ahead: 2 }), t)).toBe('Waiting for a training worker: none is running · Jobs ahead in the queue: 2');
    expect(queueWaitText(queued({ reason: 'jobs_ahead', ahead: 1 }), t)).toBe('Jobs ahead in the queue: 1');
  });
  it('is silent for a job that is not queued', () => {
    expect(queueWaitText(jobFixture({ id: 7, status: 'running', waiting_for: null }), t)).toBeNull();
  });
});
