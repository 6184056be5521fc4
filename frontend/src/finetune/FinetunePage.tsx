import { Col, Row } from 'antd';
import { useState } from 'react';
import { finetune, models as modelsApi } from '../api/client';
import { useResource } from '../common/useResource';
import { DatasetUpload } from './DatasetUpload';
import { JobDetail } from './JobDetail';
import { JobForm } from './JobForm';
import { JobsTable } from './JobsTable';

/** Datasets, the job form, the jobs table and the selected job's live loss curve. */
export default function FinetunePage() {
  const datasets = useResource(() => finetune.datasets(), [], []);
  const jobs = useResource(() => finetune.jobs(), [], []);
  const models = useResource(() => modelsApi.list(), [], []);
  const [selectedJob, setSelectedJob] = useState<number | null>(null);

  return (
    <div className="lm-page" data-testid="finetune-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}>
          <DatasetUpload onUploaded={(d) => datasets.setData([d, ...(datasets.data ?? [])])} />
          <JobForm
            datasets={datasets.data ?? []}
            models={(models.data ?? []).filter((m) => !m.is_adapter && m.runnable && m.backend !== 'openai')}
            onCreated={(job) => {
              jobs.setData([job, ...(jobs.data ?? [])]);
              setSelectedJob(job.id);
              // On a phone the job's card is below the form: bring it into view.
              requestAnimationFrame(() => document.getElementById('lm-job-detail')?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
            }}
          />
        </Col>
        <Col xs={24} lg={14} id="lm-job-detail">
          <JobDetail jobId={selectedJob} onChanged={jobs.reload} />
          <JobsTable jobs={jobs.data ?? []} loading={jobs.loading} selectedId={selectedJob} onSelect={setSelectedJob} onReload={jobs.reload} />
        </Col>
      </Row>
    </div>
  );
}
