import { CheckOutlined, CopyOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useState } from 'react';
import { PrismLight as SyntaxHighlighter } from 'react-syntax-highlighter';
import bash from 'react-syntax-highlighter/dist/esm/languages/prism/bash';
import javascript from 'react-syntax-highlighter/dist/esm/languages/prism/javascript';
import json from 'react-syntax-highlighter/dist/esm/languages/prism/json';
import python from 'react-syntax-highlighter/dist/esm/languages/prism/python';
import sql from 'react-syntax-highlighter/dist/esm/languages/prism/sql';
import typescript from 'react-syntax-highlighter/dist/esm/languages/prism/typescript';
import yaml from 'react-syntax-highlighter/dist/esm/languages/prism/yaml';
import oneDark from 'react-syntax-highlighter/dist/esm/styles/prism/one-dark';
import oneLight from 'react-syntax-highlighter/dist/esm/styles/prism/one-light';
import { copyText } from '../common/format';
import { useI18n } from '../i18n';
import { useThemeMode } from '../layout/ThemeProvider';

const LANGUAGES = { bash, sh: bash, shell: bash, javascript, js: javascript, json, python, py: python, sql, typescript, ts: typescript, yaml, yml: yaml };
Object.entries(LANGUAGES).forEach(([name, grammar]) => SyntaxHighlighter.registerLanguage(name, grammar));

/** A fenced code block with syntax highlighting and a copy button. */
export function CodeBlock({ language, code }: { language: string; code: string }) {
  const { t } = useI18n();
  const { mode } = useThemeMode();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await copyText(code);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div className="lm-code" data-testid="code-block">
      <div className="lm-code-bar">
        <span>{language || 'text'}</span>
        <Button
          size="small"
          type="text"
          data-testid="code-copy"
          icon={copied ? <CheckOutlined /> : <CopyOutlined />}
          onClick={copy}
        >
          {copied ? t('common.copied') : t('common.copy')}
        </Button>
      </div>
      <SyntaxHighlighter
        language={language in LANGUAGES ? language : 'text'}
        style={mode === 'dark' ? oneDark : oneLight}
        customStyle={{ margin: 0, borderRadius: '0 0 8px 8px', fontSize: 13 }}
      >
        {code}
      </SyntaxHighlighter>
    </div>
  );
}
