import { Grid } from 'antd';

/** Below antd's `md` breakpoint (768 px) the sidebars become drawers. */
export function useIsMobile(): boolean {
  const screens = Grid.useBreakpoint();
  return screens.md === false;
}
