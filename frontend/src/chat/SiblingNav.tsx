import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import type { SiblingInfo } from './conversationStore';

/** ← i/n → between answers (or edits) sharing one parent. */
export function SiblingNav({ info, onSelect }: { info: SiblingInfo; onSelect: (id: number) => void }) {
  if (info.count < 2) return null;
  return (
    <span className="lm-siblings" data-testid="sibling-nav">
      <Button
        size="small"
        type="text"
        icon={<LeftOutlined />}
        disabled={info.prevId === undefined}
        onClick={() => onSelect(info.prevId!)}
        data-testid="sibling-prev"
      />
      <span data-testid="sibling-position">
        {info.index + 1}/{info.count}
      </span>
      <Button
        size="small"
        type="text"
        icon={<RightOutlined />}
        disabled={info.nextId === undefined}
        onClick={() => onSelect(info.nextId!)}
        data-testid="sibling-next"
      />
    </span>
  );
}
