import { describe, expect, it } from 'vitest';
import type { FinetuneJob } from '../api/types';
import { translate } from '../i18n';
import { jobFixture } from '../test/fixtures';
import { datasetLabel, jobFromStatus } from './jobStatus';

const NO_WORKER = 'No training worker is running; start one with ./start_all.sh or `celery -A worker.celery_app worker -Q training`.';

const job: FinetuneJob = jobFixture({ id: 7, queue_position: 2 });

describe('jobFromStatus', () => {
  it('takes the queue position and the no-worker message of a queued status', () => {
    expect(jobFromStatus(job, { state: 'queued', queue_position: 1, message: NO_WORKER })).toMatchObject({
      status: 'queued',
      queue_position: 1,
      queue_message: NO_WORKER,
    });
  });

  it('drops the message once a worker consumes the queue', () => {
    const waiting = { ...job, queue_message: NO_WORKER };
    expect(jobFromStatus(waiting, { state: 'queued', queue_position: 1 })).toMatchObject({ queue_position: 1, queue_message: null });
  });

  it('is running, with no queue fields, from preparing on', () => {
    const waiting = { ...job, queue_message: NO_WORKER };
    for (const state of ['preparing', 'running'])
      expect(jobFromStatus(waiting, { state })).toMatchObject({ status: 'running', queue_position: null, queue_message: null });
  });

  it('ignores other states', () => {
    expect(jobFromStatus(job, { state: 'something-new' })).toBe(job);
  });
});

describe('datasetLabel', () => {
  const t = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', key, vars);

  it("names the dataset, or says it was deleted once the dataset is gone", () => {
    expect(datasetLabel(job, t)).toBe('facts.jsonl');
    expect(datasetLabel({ dataset_name: null }, t)).toBe('Dataset deleted');
  });
});
