/**
 * The rule engine: what a setting is and how its value is checked, with no Node-RED, no DOM
 * and no English in it. The runtime (at deploy, and per message in src/lib's readers) and the
 * editor (in the dialog) run these very functions, so a default, a limit or a pattern is
 * written once. The settings the nodes share are in settings.ts; each node's spec.ts lists its
 * own. A broken rule is a key of src/locales/<lang>/rules.json with its parameters
 * (read-setting.ts words it for the runtime; the editor shows its own `error` key).
 */

/**
 * An origin in the trusted hosts list: `name` (https on 443), `name:port` (https), or
 * `http://` / `https://` before either; `*.` before the name matches its subdomains.
 */
export const HOST = /^(?:https?:\/\/)?(\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::(\d{1,5}))?$/i;

export type Value = string | number | boolean;

/**
 * A whole value that names an environment variable: `${NAME}`, or the older `$(NAME)`. Node-RED's
 * editor counts such a value valid without asking the setting's rule, and its runtime puts the
 * variable's value in (of the node's group, its flow, the global environment or the process)
 * before the node starts; a reference still there at deploy names a variable that is not set.
 */
export const ENV_REFERENCE = /^\$(?:\{([A-Za-z_]\w*)\}|\(([A-Za-z_]\w*)\))$/;

/** The variable a value names (see ENV_REFERENCE), or undefined. */
export function envReference(v: unknown): string | undefined {
  const m = typeof v === 'string' ? ENV_REFERENCE.exec(v) : null;
  return m ? (m[1] ?? m[2]) : undefined;
}

export type Rule =
  | { kind: 'number'; min?: number; max?: number; integer?: boolean }
  | { kind: 'boolean' }
  /** One of the values; ignoreCase where the runtime reads any case (the API's documentation mixes them). */
  | { kind: 'oneOf'; values: readonly string[]; ignoreCase?: boolean }
  /** `says`: the key under aims360.rules of its own reason, where "not in the expected form" says too little. */
  | { kind: 'pattern'; pattern: RegExp; says?: string }
  /** An http or https URL with a host. */
  | { kind: 'httpUrl' }
  /** Comma separated origins (HOST), a wildcard only over two labels or more. */
  | { kind: 'hostList' }
  /** JSON text of an object (not a list, not null). */
  | { kind: 'jsonObject' }
  /** A path under the base URL, or an http(s) URL: no other scheme. */
  | { kind: 'apiPath' }
  /** A file name, not a path (the runtime would flatten it). */
  | { kind: 'fileName' }
  /** Text (a typed input may give anything per message). */
  | { kind: 'text' };

/** A typed input: its type is saved beside it as `<name>Type`. */
export interface Typed {
  types: readonly string[];
  /** The type a new node starts with. */
  default: string;
  /** The type whose value is the literal the rule checks (str, num, json); '' for none. */
  literal: string;
}

export interface Setting {
  /** The default: what a new node gets, and what an empty value means. */
  value: Value;
  /**
   * Its name in runtime messages ("Max pages must be …"): its key under aims360.settings in
   * src/locales/<lang>/rules.json. Without one, messages name it by its property name.
   */
  label?: string;
  rule?: Rule;
  /** Empty is an error, not the default. */
  required?: boolean;
  /** The i18n key (under the node's prefix) of the editor's reason. */
  error?: string;
  /** Its key when a required setting is empty, if not `error`. */
  missing?: string;
  typed?: Typed;
  /** The rule counts only while another setting has one of these values (empty: its default). */
  when?: { setting: string; is: readonly string[] };
  /** A number that must not be below another number setting. */
  notBelow?: { setting: string; error: string };
  /** A config node's type: the setting holds its id. */
  config?: string;
  /** What a value of this setting needs of the others (changes only: a row format, key columns). */
  needs?: readonly Need[];
}

/**
 * While a setting has `value`, another setting must be one of `is` (empty: its default), or
 * match `pattern`. `says`: its key under aims360.rules; `error`: the editor's.
 */
export interface Need {
  value: string;
  setting: string;
  is?: readonly string[];
  pattern?: RegExp;
  says: string;
  error: string;
}

/** A step from one settings version to the next: returns the settings as the next version has them. */
export type Migration = (def: Record<string, unknown>) => Record<string, unknown>;

export interface NodeSpec {
  type: string;
  category: string;
  color: string;
  icon?: string;
  inputs: number;
  /** The outputs of a new node. */
  outputs: number;
  /** The outputs follow a setting (a progress output): the node saves how many it has. */
  variableOutputs?: boolean;
  /** i18n keys under the prefix for the input and each output port. */
  inputLabel?: string;
  outputLabels?: readonly string[];
  /** The node type's message catalogue prefix. */
  prefix: string;
  /** The settings version a node saved by this code carries. */
  version: number;
  /** migrations[n] takes a node saved at version n (none saved = 0) to n + 1. */
  migrations: readonly Migration[];
  settings: Readonly<Record<string, Setting>>;
  credentials?: Readonly<Record<string, { type: 'text' | 'password' }>>;
}

/** What the checks read of a spec: its settings. */
export type SettingsOf = Pick<NodeSpec, 'settings'>;

/**
 * A runtime message: a key of src/locales/<lang>/rules.json (aims360.rules.…) and its
 * parameters; `label` and `other` name settings (a SETTING_NAMES key, or a property name).
 */
export interface RuleText {
  key: string;
  params: Readonly<Record<string, string | number>>;
}

export interface Problem {
  setting: string;
  /** The editor's reason: an i18n key under the node's prefix. */
  key: string;
  /** The runtime's reason (read-setting.ts's problemText words it). */
  reason: RuleText;
}

/** Not set: the setting means its default (or, when required, is missing). */
export function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Empty, or only spaces. */
export function isBlank(v: unknown): boolean {
  return isEmpty(v) || (typeof v === 'string' && v.trim() === '');
}

/** A number as saved (a number, or the text the dialog saves); NaN when it is not one. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return NaN;
  return Number(v.trim());
}

export function isHttpUrl(v: unknown): boolean {
  try {
    const url = new URL(String(v).trim());
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The names in a trusted hosts setting; throws the offending name when one is not a host. */
export function hostList(v: unknown): string[] {
  const hosts = (Array.isArray(v) ? v.map(String) : String(v ?? '').split(','))
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const h of hosts) {
    const m = HOST.exec(h);
    const name = h.replace(/^https?:\/\//, '').replace(/:\d+$/, '');
    const port = Number(m?.[2] ?? 1);
    if (!m || (m[1] && !name.slice(2).includes('.')) || port < 1 || port > 65535) throw new Error(h);
  }
  return hosts;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Where rules.json keeps the settings' names (their labels). */
export const SETTING_NAMES = 'aims360.settings.';

const says = (key: string, params: RuleText['params'] = {}): RuleText => ({ key: `aims360.rules.${key}`, params });

/** The text of a broken number rule: "a whole number from 1 to 1000" and the like. */
function numberReason(rule: { min?: number; max?: number; integer?: boolean }): RuleText {
  const { min, max, integer = false } = rule;
  const kind = integer ? 'wholeNumber' : 'number';
  const hasMin = min !== undefined && Number.isFinite(min);
  const hasMax = max !== undefined && Number.isFinite(max);
  if (hasMin && hasMax) return says(`${kind}Between`, { min, max });
  if (hasMin) return says(`${kind}AtLeast`, { min });
  if (hasMax) return says(`${kind}AtMost`, { max });
  return says(kind);
}

/** The listed value a oneOf value stands for (its spelling there), or undefined. */
export function chosen(rule: Extract<Rule, { kind: 'oneOf' }>, v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return rule.values.find((x) => x === v || (!!rule.ignoreCase && x.toLowerCase() === v.toLowerCase()));
}

/** Whether a non-empty value keeps the rule; the reason (without the setting's label) when not. */
export function breaks(rule: Rule, v: unknown): RuleText | undefined {
  switch (rule.kind) {
    case 'number': {
      const n = toNumber(v);
      const { min = -Infinity, max = Infinity, integer = false } = rule;
      return Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n)) ? undefined : numberReason(rule);
    }
    case 'boolean':
      return v === true || v === false || v === 'true' || v === 'false' ? undefined : says('boolean');
    case 'oneOf': {
      if (chosen(rule, v) !== undefined) return undefined;
      const values = rule.values.join(', ');
      return typeof v === 'string' ? says('oneOfNot', { values, value: JSON.stringify(v) }) : says('oneOf', { values });
    }
    case 'pattern':
      return typeof v === 'string' && rule.pattern.test(v) ? undefined : says(rule.says ?? 'pattern');
    case 'httpUrl':
      return isHttpUrl(v) ? undefined : says('httpUrl');
    case 'hostList':
      try {
        hostList(v);
        return undefined;
      } catch (err) {
        return says('hostList', { host: (err as Error).message });
      }
    case 'jsonObject':
      try {
        const parsed: unknown = JSON.parse(String(v));
        return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? undefined : says('jsonObject');
      } catch {
        return says('jsonObject');
      }
    case 'apiPath':
      return !SCHEME.test(String(v)) || /^https?:\/\//i.test(String(v)) ? undefined : says('apiPath');
    case 'fileName':
      return /[/\\]|\.\./.test(String(v)) ? says('fileName') : undefined;
    case 'text':
      return typeof v === 'string' ? undefined : says('text');
  }
}

/** A node's saved value of a setting, read by name (the saved flow, or the open dialog). */
export type Reader = (name: string) => unknown;

/** Whether the setting counts now: its `when` holds (an empty controlling setting means its default). */
export function applies(spec: SettingsOf, name: string, get: Reader): boolean {
  const when = spec.settings[name]?.when;
  if (!when) return true;
  const v = get(when.setting);
  return when.is.includes(String(isEmpty(v) ? spec.settings[when.setting]?.value : v));
}

/** The type a typed setting has now (its saved type, else its default). */
export function typeOf(setting: Setting, name: string, get: Reader): string | undefined {
  if (!setting.typed) return undefined;
  const t = get(`${name}Type`);
  return isEmpty(t) ? setting.typed.default : String(t);
}

/** How a message names a setting: its label's key in rules.json, or its property name. */
function labelOf(spec: SettingsOf, name: string): string {
  const label = spec.settings[name]?.label;
  return label ? `${SETTING_NAMES}${label}` : name;
}

/**
 * What is wrong with one setting, or undefined. A typed setting of another type than its
 * literal one is left to that type (the editor checks its syntax, the runtime evaluates it
 * per message).
 */
export function problemOf(spec: SettingsOf, name: string, get: Reader): Problem | undefined {
  const s = spec.settings[name];
  if (!s || s.config || !applies(spec, name, get)) return undefined;
  if (s.typed && typeOf(s, name, get) !== s.typed.literal) return undefined;
  const v = get(name);
  const label = labelOf(spec, name);
  const key = s.error ?? `errors.${name}`;
  const empty = blankIsEmpty(s) ? isBlank(v) : isEmpty(v);
  if (empty) return s.required ? { setting: name, key: s.missing ?? key, reason: says('required', { label }) } : undefined;
  const broken = s.rule && breaks(s.rule, v);
  if (broken) return { setting: name, key, reason: { key: broken.key, params: { ...broken.params, label } } };
  if (s.notBelow) {
    const other = get(s.notBelow.setting);
    const floor = toNumber(isBlank(other) ? spec.settings[s.notBelow.setting]?.value : other);
    // A bad floor is flagged on its own setting.
    if (Number.isFinite(floor) && toNumber(v) < floor) {
      return { setting: name, key: s.notBelow.error, reason: says('notBelow', { label, other: labelOf(spec, s.notBelow.setting) }) };
    }
  }
  const unmet = s.needs?.find((need) => need.value === v && !needMet(spec, need, get));
  if (unmet) return { setting: name, key: unmet.error, reason: says(unmet.says, { value: String(valueOf(spec, unmet.setting, get)) }) };
  return undefined;
}

function needMet(spec: SettingsOf, need: Need, get: Reader): boolean {
  const v = valueOf(spec, need.setting, get);
  return need.is ? need.is.includes(String(v)) : !!need.pattern?.test(String(v ?? ''));
}

/**
 * Whether only spaces mean empty, as the runtime reads the setting: numbers, URLs, host lists
 * and text are trimmed; a job id, JSON, a file name or a choice of spaces is a wrong value.
 */
function blankIsEmpty(s: Setting): boolean {
  return !!s.required || ['number', 'httpUrl', 'hostList', 'text'].includes(s.rule?.kind ?? '');
}

/** Every problem of a node's settings, in the spec's order. */
export function problems(spec: NodeSpec, get: Reader): Problem[] {
  return Object.keys(spec.settings).flatMap((name) => problemOf(spec, name, get) ?? []);
}

/**
 * A setting that still holds an environment variable reference as it starts (Node-RED puts a set
 * variable's value in first): the variable is not set, which says more than its rule would.
 */
function unsetVariable(spec: SettingsOf, name: string, get: Reader): Problem | undefined {
  const s = spec.settings[name];
  const variable = envReference(get(name));
  if (!s || s.config || variable === undefined || !applies(spec, name, get)) return undefined;
  // A setting with no rule at all (a name) takes any text, this one too.
  if (!s.rule && !s.required && !s.typed) return undefined;
  if (s.typed && typeOf(s, name, get) !== s.typed.literal) return undefined;
  return { setting: name, key: 'aims360.rules.envUnset', reason: says('envUnset', { label: labelOf(spec, name), value: String(get(name)), name: variable }) };
}

/**
 * Every problem of a node's saved settings (its flow file entry) as it starts, the deploy check:
 * Node-RED has put in the environment variables that are set.
 */
export function savedProblems(spec: NodeSpec, def: object): Problem[] {
  const saved = def as Record<string, unknown>;
  const get: Reader = (name) => saved[name];
  return Object.keys(spec.settings).flatMap((name) => unsetVariable(spec, name, get) ?? problemOf(spec, name, get) ?? []);
}

/** A setting's value with empty meaning its default. */
export function valueOf(spec: SettingsOf, name: string, get: Reader): unknown {
  const s = spec.settings[name];
  const v = get(name);
  if (!s) return v;
  return (blankIsEmpty(s) ? isBlank(v) : isEmpty(v)) ? s.value : v;
}

/** The saved settings version: none (a flow saved before versions) is 0. */
export function versionOf(def: Record<string, unknown>): number {
  const v = toNumber(def.version);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * A node's saved settings as this version has them: each migration from the saved
 * version up, then the current version stamped. A node saved by a later version than
 * this code is left as it is.
 */
export function migrate<T extends object>(spec: NodeSpec, def: T): T {
  const from = versionOf(def as Record<string, unknown>);
  if (from >= spec.version) return def;
  let out: Record<string, unknown> = { ...(def as Record<string, unknown>) };
  for (let v = from; v < spec.version; v++) out = spec.migrations[v]?.(out) ?? out;
  out.version = spec.version;
  return out as unknown as T;
}
