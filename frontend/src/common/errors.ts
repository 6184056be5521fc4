import { ApiError } from '../api/http';
import type { Translate } from '../i18n';

export interface FieldProblem {
  field: string;
  message: string;
}

/** Pydantic's "Value error, " prefix and the like, which mean nothing to a person. */
const cleanMessage = (message: string) => message.replace(/^(Value error|Assertion failed), /i, '');

/** A 422's per-field problems (`details: [{field, message}]`), ready for Form.setFields. */
export function fieldProblems(e: unknown): FieldProblem[] {
  if (!(e instanceof ApiError) || !Array.isArray(e.details)) return [];
  return (e.details as Partial<FieldProblem>[])
    .filter((d) => typeof d?.field === 'string' && typeof d?.message === 'string')
    .map((d) => ({ field: d.field!, message: cleanMessage(d.message!) }));
}

/**
 * What to tell the user about a failed request: the server's own sentence when it wrote one for people
 * ("Current password is incorrect."), the field problems of a 422 without the "Invalid request" wrapper,
 * and words for the network or a server failure instead of a code.
 */
export function errorText(e: unknown, t: Translate): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('errors.network');
    const problems = fieldProblems(e);
    if (e.code === 'validation_error' && problems.length) return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    if (e.status >= 500) return t('errors.server', { status: e.status, message: e.message });
    return e.message;
  }
  if (e instanceof TypeError) return t('errors.network');
  return t('common.error', { message: e instanceof Error ? e.message : String(e) });
}
