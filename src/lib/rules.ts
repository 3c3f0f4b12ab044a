/**
 * What a node's settings are and how each is checked, with no Node-RED and no DOM in it:
 * the runtime (at deploy) and the editor (in the dialog) run these very functions, so a
 * default, a limit or a pattern is written once. Each node's spec.ts lists its settings.
 */

/** A job id as AIMS360 issues it. */
export const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;
/**
 * An origin in the trusted hosts list: `name` (https on 443), `name:port` (https), or
 * `http://` / `https://` before either; `*.` before the name matches its subdomains.
 */
export const HOST = /^(?:https?:\/\/)?(\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::(\d{1,5}))?$/i;

export type Value = string | number | boolean;

export type Rule =
  | { kind: 'number'; min?: number; max?: number; integer?: boolean }
  | { kind: 'boolean' }
  /** One of the values; ignoreCase where the runtime reads any case (the API's documentation mixes them). */
  | { kind: 'oneOf'; values: readonly string[]; ignoreCase?: boolean }
  | { kind: 'pattern'; pattern: RegExp }
  /** An http or https URL with a host. */
  | { kind: 'httpUrl' }
  /** Comma separated origins (HOST), a wildcard only over two labels or more. */
  | { kind: 'hostList' }
  /** JSON text of an object (not a list, not null). */
  | { kind: 'jsonObject' }
  /** A path under the base URL, or an http(s) URL: no other scheme. */
  | { kind: 'apiPath' }
  /** A file name, not a path (the runtime would flatten it). */
  | { kind: 'fileName' };

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
  /** The English name in runtime messages ("Max pages must be …"). */
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

export interface Problem {
  setting: string;
  /** The editor's reason: an i18n key under the node's prefix. */
  key: string;
  /** The runtime's reason, in English. */
  message: string;
}

/** Not set: the setting means its default (or, when required, is missing). */
export function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function isBlank(v: unknown): boolean {
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

/** "a whole number from 1 to 1000" and the like, as the runtime says it. */
export function numberText(rule: { min?: number; max?: number; integer?: boolean }): string {
  const { min = -Infinity, max = Infinity, integer = false } = rule;
  const kind = integer ? 'a whole number' : 'a number';
  let range = '';
  if (Number.isFinite(min) && Number.isFinite(max)) range = ` from ${min} to ${max}`;
  else if (Number.isFinite(min)) range = ` of at least ${min}`;
  else if (Number.isFinite(max)) range = ` of at most ${max}`;
  return `${kind}${range}`;
}

/** Whether a non-empty value keeps the rule; the English reason when not. */
export function breaks(rule: Rule, v: unknown): string | undefined {
  switch (rule.kind) {
    case 'number': {
      const n = toNumber(v);
      const { min = -Infinity, max = Infinity, integer = false } = rule;
      return Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n)) ? undefined : `must be ${numberText(rule)}`;
    }
    case 'boolean':
      return v === true || v === false || v === 'true' || v === 'false' ? undefined : 'must be true or false';
    case 'oneOf':
      return typeof v === 'string' && rule.values.some((x) => x === v || (rule.ignoreCase && x.toLowerCase() === v.toLowerCase()))
        ? undefined : `must be one of ${rule.values.join(', ')}`;
    case 'pattern':
      return typeof v === 'string' && rule.pattern.test(v) ? undefined : 'is not in the expected form';
    case 'httpUrl':
      return isHttpUrl(v) ? undefined : 'must be an http or https URL';
    case 'hostList':
      try {
        hostList(v);
        return undefined;
      } catch (err) {
        return `holds "${(err as Error).message}", which is not a host name`;
      }
    case 'jsonObject':
      try {
        const parsed: unknown = JSON.parse(String(v));
        return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? undefined : 'must be a JSON object';
      } catch {
        return 'must be a JSON object';
      }
    case 'apiPath':
      return !SCHEME.test(String(v)) || /^https?:\/\//i.test(String(v)) ? undefined : 'must be a path or an http(s) URL';
    case 'fileName':
      return /[/\\]|\.\./.test(String(v)) ? 'must be a file name, not a path' : undefined;
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
  const label = s.label ?? name;
  const key = s.error ?? `errors.${name}`;
  const empty = blankIsEmpty(s) ? isBlank(v) : isEmpty(v);
  if (empty) return s.required ? { setting: name, key: s.missing ?? key, message: `${label} is required.` } : undefined;
  const reason = s.rule && breaks(s.rule, v);
  if (reason) return { setting: name, key, message: `${label} ${reason}${typeof v === 'string' && s.rule?.kind === 'oneOf' ? `, not ${JSON.stringify(v)}` : ''}.` };
  if (s.notBelow) {
    const other = get(s.notBelow.setting);
    const floor = toNumber(isBlank(other) ? spec.settings[s.notBelow.setting]?.value : other);
    // A bad floor is flagged on its own setting.
    if (Number.isFinite(floor) && toNumber(v) < floor) {
      const otherLabel = spec.settings[s.notBelow.setting]?.label ?? s.notBelow.setting;
      return { setting: name, key: s.notBelow.error, message: `${label} must not be below ${otherLabel}.` };
    }
  }
  return undefined;
}

/**
 * Whether only spaces mean empty, as the runtime reads the setting: numbers, URLs, host lists
 * and required text are trimmed; a job id, JSON or a file name of spaces is a wrong value.
 */
function blankIsEmpty(s: Setting): boolean {
  return !!s.required || s.rule?.kind === 'number' || s.rule?.kind === 'httpUrl' || s.rule?.kind === 'hostList';
}

/** Every problem of a node's settings, in the spec's order. */
export function problems(spec: NodeSpec, get: Reader): Problem[] {
  return Object.keys(spec.settings).flatMap((name) => problemOf(spec, name, get) ?? []);
}

/** Every problem of a node's saved settings (its flow file entry). */
export function savedProblems(spec: NodeSpec, def: object): Problem[] {
  const saved = def as Record<string, unknown>;
  return problems(spec, (name) => saved[name]);
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

/** Settings shared by the nodes that take a job id. */
export const JOB_ID_TYPES = ['msg', 'flow', 'global', 'env', 'str', 'jsonata'] as const;

export function jobIdSetting(): Setting {
  return {
    value: '',
    label: 'The job id',
    rule: { kind: 'pattern', pattern: JOB_ID },
    error: 'errors.jobId',
    typed: { types: JOB_ID_TYPES, default: 'msg', literal: 'str' },
  };
}

export const OUTPUT_FORMATS = ['auto', 'buffer', 'utf8', 'json', 'rows', 'file', 'stream-rows'] as const;

/** The aims360 request node's methods. */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** An export's output formats and access scopes, as the API spells them. */
export const EXPORT_FORMATS = ['CSV', 'Excel', 'JSON'] as const;
export const EXPORT_SCOPES = ['Private', 'Public', 'PeopleInOrganization'] as const;

/**
 * The settings of fetch output's hand-on (format, directory, file name, size, documents,
 * block size); `when` limits them to a mode of the node (export's data mode).
 */
export function outputSettings(when?: Setting['when']): Record<string, Setting> {
  const format = (f: string): Setting['when'] => ({ setting: 'format', is: [f] });
  return {
    format: { value: 'auto', label: 'Format', rule: { kind: 'oneOf', values: OUTPUT_FORMATS }, when },
    // Required for the file format: left empty it failed only at run time (see migrateDirectory).
    directory: { value: '', label: 'Directory', required: true, typed: { types: ['str', 'msg', 'flow', 'global', 'env'], default: 'str', literal: 'str' }, when: format('file') },
    filename: { value: '', label: 'File name', rule: { kind: 'fileName' }, typed: { types: ['str', 'msg', 'flow', 'global', 'env', 'jsonata'], default: 'str', literal: 'str' }, when: format('file') },
    maxSizeMB: { value: 100, label: 'Max size (MB)', rule: { kind: 'number', min: 0.001 }, when },
    documents: { value: 'first', label: 'Documents', rule: { kind: 'oneOf', values: ['first', 'all'] }, when },
    rowsPerMessage: { value: 1000, label: 'Block size (rows per message)', rule: { kind: 'number', min: 1, max: 1_000_000, integer: true }, when: format('stream-rows') },
    // On for new nodes; migrateTypedValues keeps text for nodes saved before it existed.
    typedValues: { value: true, label: 'Typed values', rule: { kind: 'boolean' }, when },
  };
}

/** Version 1 to 2 of the output settings: a node saved before typed values keeps its CSV cells as text. */
export const migrateTypedValues: Migration = (def) => (def.typedValues === undefined ? { ...def, typedValues: false } : def);

/** What an export data message does while the same export already runs on its node. */
export const OVERLAP_CHOICES = ['share', 'start', 'drop'] as const;

/**
 * Version 0 to 1 of the output settings: before Directory was required, an empty one read
 * msg.directory at run time; now it says so (msg › directory), so such a flow runs as before.
 */
export const migrateDirectory: Migration = (def) =>
  def.format === 'file' && isBlank(def.directory) ? { ...def, directory: 'directory', directoryType: 'msg' } : def;

/** The settings of wait for job's timing, progress and persistence. */
export function waitSettings(when?: Setting['when']): Record<string, Setting> {
  return {
    interval: { value: 5, label: 'Interval (s)', rule: { kind: 'number', min: 0.05 }, when },
    maxInterval: { value: 60, label: 'Max interval (s)', rule: { kind: 'number', min: 0.05 }, notBelow: { setting: 'interval', error: 'errors.maxBelowInterval' }, when },
    timeout: { value: 3600, label: 'Timeout (s)', rule: { kind: 'number', min: 0 }, when },
    progress: { value: false, rule: { kind: 'boolean' } },
    persist: { value: false, rule: { kind: 'boolean' } },
  };
}

/**
 * What every working node's spec starts with: its type (also its messages' prefix), the
 * AIMS360 palette category and colour, its icon, one input and one output, settings version 1.
 */
export function workingNode(type: string, icon: string) {
  return { type, prefix: type, category: 'AIMS360', color: '#7FC6D9', icon, inputs: 1, outputs: 1, version: 1 };
}

/** name and server: every working node has them. */
export function commonSettings(): Record<string, Setting> {
  return {
    name: { value: '' },
    server: { value: '', config: 'aims360-config' },
  };
}
