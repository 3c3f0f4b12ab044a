import { AimsError } from './errors';
import { breaks, isEmpty, Setting, toNumber } from './rules';

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Reads a number the editor may have saved as a string; empty means the default.
 * Anything else that is not a number within the rule is BAD_INPUT (the rule as rules.ts
 * checks it, in the editor too).
 */
export function readNumber(value: unknown, fallback: number, what: string, rule: NumberRule = {}): number {
  if (isEmpty(value) || (typeof value === 'string' && value.trim() === '')) return fallback;
  const problem = breaks({ kind: 'number', ...rule }, value);
  if (problem) throw AimsError.of('BAD_INPUT', 'aims360.errors.setting', { problem: `${what} ${problem}.` });
  return toNumber(value);
}

/** A number setting as its spec says: its default, label and limits. */
export function readNumberSetting(value: unknown, setting: Setting): number {
  const rule: NumberRule = setting.rule?.kind === 'number' ? setting.rule : {};
  return readNumber(value, Number(setting.value), setting.label ?? 'The number', rule);
}

/** Reads a boolean saved as true/false or "true"/"false"; empty means the default. */
export function readBoolean(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}
