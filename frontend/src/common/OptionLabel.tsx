import { Typography } from 'antd';
import type { ReactNode } from 'react';

interface Props {
  name: ReactNode;
  /** Shown after the name, e.g. "default" for the server's default choice. */
  marker?: string | false;
  /** A secondary line under the name: what the choice is good for, or why it cannot be chosen. */
  note?: string | null;
  testId?: string;
}

/** A choice's name over a one-line note, in a select's dropdown or wherever that choice is shown. */
export function OptionLabel({ name, marker, note, testId }: Props) {
  return (
    <div className="lm-model-option" data-testid={testId}>
      <span>
        {name}
        {marker && <Typography.Text type="secondary"> · {marker}</Typography.Text>}
      </span>
      {note && (
        <Typography.Text type="secondary" className="lm-model-reason">
          {note}
        </Typography.Text>
      )}
    </div>
  );
}
