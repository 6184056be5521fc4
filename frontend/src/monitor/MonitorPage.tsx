import { LinkOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Empty, Row, Statistic } from 'antd';
import type { ReactNode } from 'react';
import { formatBytes } from '../common/format';
import { LineChart, type Series } from '../common/LineChart';
import { useI18n } from '../i18n';
import { useResourceHistory, type Sample } from './useResourceHistory';

const pct = (used?: number, total?: number) => (used != null && total ? (used / total) * 100 : 0);
const PALETTE = ['#1677ff', '#52c41a', '#fa8c16', '#eb2f96', '#722ed1', '#13c2c2'];

function series(samples: Sample[], name: string, color: string, pick: (s: Sample) => number | null | undefined): Series {
  const t0 = samples[0]?.t ?? 0;
  return {
    name,
    color,
    points: samples.flatMap((s) => {
      const v = pick(s);
      return v == null ? [] : [[(s.t - t0) / 1000, v] as [number, number]];
    }),
  };
}

function ChartCard({ title, extra, children }: { title: string; extra?: ReactNode; children: ReactNode }) {
  return (
    <Card size="small" title={title} extra={extra}>
      {children}
    </Card>
  );
}

/** A row of current figures above a chart. */
function Figures({ span, items }: { span: number; items: { title: string; value: number | string; precision?: number }[] }) {
  return (
    <Row gutter={8}>
      {items.map((item) => (
        <Col key={item.title} span={span}>
          <Statistic title={item.title} value={item.value} precision={item.precision} />
        </Col>
      ))}
    </Row>
  );
}

/** Live resource charts from polling GET /system/resources, plus a link to Flower. */
export default function MonitorPage() {
  const { t } = useI18n();
  const { samples, error } = useResourceHistory();
  const last = samples[samples.length - 1]?.r;
  const lastSpeed = [...samples].reverse().find((s) => s.tokensPerS !== null)?.tokensPerS;
  const flower = last?.flower_url ?? `${location.protocol}//${location.hostname}:5555/`;
  const percentFormat = (v: number) => `${v.toFixed(0)}%`;
  const queues = Object.keys(last?.queues ?? {});
  const queueName = (q: string) => (['generation', 'indexing', 'training'].includes(q) ? t(`monitor.queue.${q}` as 'monitor.queue.generation') : q);
  const xFormat = (x: number) => t('monitor.secondsTick', { s: Math.round(x) });
  const countChart = (lines: Series[]) => <LineChart xFormat={xFormat} yMin={0} format={(v) => v.toFixed(0)} series={lines} />;

  return (
    <div className="lm-page" data-testid="monitor-page">
      <div style={{ display: 'flex', justifyContent: 'flex-end', marginBottom: 12 }}>
        <Button icon={<LinkOutlined />} href={flower} target="_blank" rel="noreferrer">
          {t('monitor.flower')}
        </Button>
      </div>
      {error && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('monitor.unavailable', { message: error.message })} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <ChartCard
            title={`${t('monitor.cpu')} / ${t('monitor.memory')} / ${t('monitor.disk')}`}
            extra={last && `${formatBytes(last.memory?.used_bytes)} / ${formatBytes(last.memory?.total_bytes)}`}
          >
            <LineChart
              xFormat={xFormat}
              yMin={0}
              yMax={100}
              format={percentFormat}
              series={[
                series(samples, t('monitor.cpu'), PALETTE[0], (s) => s.r.cpu?.percent),
                series(samples, t('monitor.memory'), PALETTE[1], (s) => s.r.memory?.percent),
                series(samples, t('monitor.disk'), PALETTE[2], (s) => s.r.disk?.percent),
              ]}
            />
          </ChartCard>
        </Col>
        <Col xs={24} xl={12}>
          <ChartCard title={`${t('monitor.gpuMemory')} / ${t('monitor.gpuUtil')}`}>
            {last?.gpus?.length ? (
              <LineChart
              xFormat={xFormat}
                yMin={0}
                yMax={100}
                format={percentFormat}
                series={last.gpus.flatMap((g, i) => [
                  series(samples, `${g.device} ${t('monitor.gpuMemory')}`, PALETTE[(2 * i) % 6], (s) => {
                    const d = s.r.gpus?.[i];
                    return d && pct(d.memory_used_bytes, d.memory_total_bytes);
                  }),
                  series(samples, `${g.device} ${t('monitor.gpuUtil')}`, PALETTE[(2 * i + 1) % 6], (s) => s.r.gpus?.[i]?.utilization_percent),
                ])}
              />
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('monitor.noGpu')} />
            )}
          </ChartCard>
        </Col>
        <Col xs={24} xl={12}>
          <ChartCard title={t('monitor.queues')}>
            <Figures span={8} items={queues.map((q) => ({ title: queueName(q), value: last?.queues?.[q] ?? 0 }))} />
            {countChart(queues.map((q, i) => series(samples, queueName(q), PALETTE[i % 6], (s) => s.r.queues?.[q])))}
          </ChartCard>
        </Col>
        <Col xs={24} xl={12}>
          <ChartCard title={`${t('monitor.tokensPerS')} / ${t('monitor.activeStreams')}`}>
            <Figures
              span={12}
              items={[
                { title: t('monitor.tokensPerS'), value: lastSpeed ?? '—', precision: lastSpeed == null ? undefined : 1 },
                { title: t('monitor.activeStreams'), value: last?.active_streams ?? 0 },
              ]}
            />
            {countChart([
              series(samples, t('monitor.tokensPerS'), PALETTE[0], (s) => s.tokensPerS),
              series(samples, t('monitor.activeStreams'), PALETTE[3], (s) => s.r.active_streams),
            ])}
          </ChartCard>
        </Col>
      </Row>
    </div>
  );
}
