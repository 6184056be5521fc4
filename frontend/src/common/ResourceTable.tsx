import { Table, type TableProps } from 'antd';

type Props<T> = Omit<TableProps<T>, 'dataSource' | 'loading'> & { rows: T[] | undefined; loading: boolean };

/** A compact one-page table of rows from useResource, keyed by `id`, with a spinner while they load. */
export function ResourceTable<T extends { id: number | string }>({ rows, loading, ...props }: Props<T>) {
  return <Table<T> size="small" rowKey="id" loading={loading} dataSource={rows} pagination={false} {...props} />;
}
