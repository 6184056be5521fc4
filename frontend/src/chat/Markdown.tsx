import { isValidElement, memo, type ReactElement, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { Citation } from '../api/types';
import { CitationRef } from './CitationRef';
import { CodeBlock } from './CodeBlock';

/** Turns `[n]` markers that match a citation into links the renderer swaps for footnote popovers. */
export function linkCitations(text: string, citations: Citation[]): string {
  if (!citations.length) return text;
  const known = new Set(citations.map((c) => c.n));
  return text.replace(/\[(\d+)\](?![(:])/g, (m, n) => (known.has(Number(n)) ? `[\\[${n}\\]](#cite-${n})` : m));
}

function codeOf(children: ReactNode): { language: string; code: string } {
  const child = (Array.isArray(children) ? children[0] : children) as ReactElement<{ className?: string; children?: ReactNode }>;
  if (!isValidElement(child)) return { language: '', code: String(children ?? '') };
  const language = /language-([\w-]+)/.exec(child.props.className ?? '')?.[1] ?? '';
  return { language, code: String(child.props.children ?? '').replace(/\n$/, '') };
}

/** Assistant message body: GitHub-flavoured Markdown, highlighted code, citation footnotes. */
export const Markdown = memo(function Markdown({ text, citations }: { text: string; citations: Citation[] }) {
  const components: Components = {
    pre: ({ children }) => <CodeBlock {...codeOf(children)} />,
    a: ({ href, children }) => {
      const n = href?.startsWith('#cite-') ? Number(href.slice(6)) : NaN;
      const citation = citations.find((c) => c.n === n);
      if (citation) return <CitationRef citation={citation} />;
      return (
        <a href={href} target="_blank" rel="noreferrer">
          {children}
        </a>
      );
    },
    table: ({ children }) => (
      <div className="lm-table-wrap">
        <table>{children}</table>
      </div>
    ),
  };
  return (
    <div className="lm-markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {linkCitations(text, citations)}
      </ReactMarkdown>
    </div>
  );
});
