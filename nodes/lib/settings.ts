import { AimsError } from './errors';

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Reads a number the editor may have saved as a string; empty means the default.
 * Anything else that is not a number within the rule is BAD_INPUT.
 */
export function readNumber(value: unknown, fallback: number, what: string, rule: NumberRule = {}): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  const { min = -Infinity, max = Infinity, integer = false } = rule;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const kind = integer ? 'a whole number' : 'a number';
    const range = Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` of at least ${min}` : '';
    throw new AimsError('BAD_INPUT', `${what} must be ${kind}${range}.`);
  }
  return n;
}

/** Reads a boolean saved as true/false or "true"/"false"; empty means the default. */
export function readBoolean(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}
