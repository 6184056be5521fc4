import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import type { ReactNode } from 'react';
import type { SiblingInfo } from './conversationStore';

/** ← i/n → between answers (or edits) sharing one parent. */
export function SiblingNav({ info, onSelect }: { info: SiblingInfo; onSelect: (id: number) => void }) {
  if (info.count < 2) return null;
  return (
    <span className="lm-siblings" data-testid="sibling-nav">
      <Step to={info.prevId} icon={<LeftOutlined />} testId="sibling-prev" onSelect={onSelect} />
      <span data-testid="sibling-position">
        {info.index + 1}/{info.count}
      </span>
      <Step to={info.nextId} icon={<RightOutlined />} testId="sibling-next" onSelect={onSelect} />
    </span>
  );
}

/** One arrow: selects the sibling `to`, disabled at either end. */
function Step({ to, icon, testId, onSelect }: { to?: number; icon: ReactNode; testId: string; onSelect: (id: number) => void }) {
  return <Button size="small" type="text" icon={icon} disabled={to === undefined} onClick={() => onSelect(to!)} data-testid={testId} />;
}
