import { useSearchParams } from 'react-router-dom';

/** The open tab of a page, kept in the URL (`?tab=`): the first of `tabs` unless the URL names another of them. */
export function useTabParam<T extends string>(tabs: readonly T[]): [T, (tab: string) => void] {
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab') as T | null;
  const tab = requested && tabs.includes(requested) ? requested : tabs[0];
  return [tab, (key: string) => setParams({ tab: key }, { replace: true })];
}
