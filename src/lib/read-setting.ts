/**
 * Reading a value by its setting's rule at run time (a saved value, or one a typed input gave
 * for this message): the rules.ts check, its reason worded from src/locales (rules.json),
 * and BAD_INPUT when it is broken. The editor shows its own keys and does not load this.
 */
import { AimsError } from './errors';
import { text } from './messages';
import { chosen, Problem, problemOf, Reader, Rule, RuleText, Setting, SETTING_NAMES, SettingsOf, toNumber, valueOf } from './rules';

/** A setting's name in messages: its label's text, or its property name as it is. */
function settingName(name: string | number): string | number {
  return String(name).startsWith(SETTING_NAMES) ? text(String(name)) : name;
}

/** A rule's message in the user's language. */
export function ruleText(reason: RuleText): string {
  const params: Record<string, string | number> = { ...reason.params };
  for (const name of ['label', 'other']) if (params[name] !== undefined) params[name] = settingName(params[name]);
  return text(reason.key, params);
}

/** A problem as the runtime says it. */
export function problemText(problem: Problem): string {
  return ruleText(problem.reason);
}

/**
 * One setting of a spec as its rule reads it, beside the others (`when`, `notBelow`): empty is
 * the default, a broken rule is BAD_INPUT, a choice comes back spelt as listed (`csv` as CSV).
 */
export function readSettingOf(spec: SettingsOf, name: string, get: Reader): unknown {
  const problem = problemOf(spec, name, get);
  if (problem) throw AimsError.of('BAD_INPUT', 'aims360.errors.setting', { problem: problemText(problem) });
  const read = valueOf(spec, name, get);
  const rule = spec.settings[name]?.rule;
  return rule?.kind === 'oneOf' ? (chosen(rule, read) ?? read) : read;
}

/**
 * A value as its setting's rule reads it (see readSettingOf). The caller knows that the
 * setting counts now (its `when`); a typed setting's value is read after its typed input was
 * evaluated, as its literal type's. `name` names an unlabelled setting in messages.
 */
export function readSetting(setting: Setting, value: unknown, name = 'value'): unknown {
  const alone: SettingsOf = { settings: { [name]: { ...setting, when: undefined, notBelow: undefined } } };
  return readSettingOf(alone, name, (prop) => (prop === name ? value : setting.typed?.literal));
}

/** A number setting as its spec says: its default, label and limits (a number, at least). */
export function readNumberSetting(value: unknown, setting: Setting): number {
  return toNumber(readSetting(setting.rule?.kind === 'number' ? setting : { ...setting, rule: { kind: 'number' } }, value));
}

/**
 * Reads a number the editor may have saved as a string (or a query gave), named `what` in
 * messages; empty means the default, anything else not a number within the rule is BAD_INPUT.
 */
export function readNumber(value: unknown, fallback: number, what: string, rule: Omit<Extract<Rule, { kind: 'number' }>, 'kind'> = {}): number {
  return toNumber(readSetting({ value: fallback, rule: { kind: 'number', ...rule } }, value, what));
}

/** Reads a boolean saved as true/false or "true"/"false"; anything else means the default. */
export function readBoolean(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}
