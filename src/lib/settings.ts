/**
 * The settings the nodes share: presets each node's spec.ts spreads (job id, output, wait
 * timing, the export's and the request's settings, the client's timeout), their lists of
 * choices, and the migrations of shared settings. src/lib's readers check a value given
 * per message through these very records, so the deploy check, the editor and the lib agree.
 * Pure data over rules.ts: the editor loads it too.
 */
import { isBlank, Migration, Setting } from './rules.js';

/** A job id as AIMS360 issues it. */
export const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Settings shared by the nodes that take a job id. */
export const JOB_ID_TYPES = ['msg', 'flow', 'global', 'env', 'str', 'jsonata'] as const;

export function jobIdSetting(): Setting {
  return {
    value: '',
    label: 'jobId',
    // One text for the rule: the dialog's, the deploy check's and the run time's (checkJobId).
    rule: { kind: 'pattern', pattern: JOB_ID, says: 'jobId' },
    error: 'aims360.rules.jobId',
    typed: { types: JOB_ID_TYPES, default: 'msg', literal: 'str' },
  };
}

export const OUTPUT_FORMATS = ['auto', 'buffer', 'utf8', 'json', 'rows', 'file', 'stream-rows'] as const;

/** The aims360 request node's methods: written as listed (the dialog offers them so). */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The aims360 request node's method, which lib/request.ts reads by this rule. */
export function methodSetting(): Setting {
  return { value: 'GET', label: 'method', rule: { kind: 'oneOf', values: METHODS } };
}

/** The client's timeout per request (ms): the config node's setting, which lib/client.ts reads by this rule. */
export function timeoutSetting(): Setting {
  return { value: 30_000, label: 'clientTimeout', rule: { kind: 'number', min: 1, integer: true } };
}

/**
 * The account's request budget (requests per second, 0 = no cap): the config node's setting,
 * which lib/client.ts reads by this rule. Below 1 it means one request every 1/x s.
 */
export function maxRequestsSetting(): Setting {
  return { value: 10, label: 'maxRequestsPerSecond', rule: { kind: 'number', min: 0, max: 1000 } };
}

/** An export's output formats and access scopes, as the API spells them. */
export const EXPORT_FORMATS = ['CSV', 'Excel', 'JSON'] as const;
export const EXPORT_SCOPES = ['Private', 'Public', 'PeopleInOrganization'] as const;

/** The latest documented export endpoint (the default path, which gets the fallback in lib/export.ts). */
export const EXPORT_PATH = '/reports/v1.0/reports/exportdata';

const NAME_TYPES = ['str', 'msg', 'flow', 'global', 'env', 'jsonata'] as const;

/** Source and View name: required text, as text in the dialog or evaluated per message. */
function exportName(label: string): Setting {
  return { value: '', label, required: true, rule: { kind: 'text' }, typed: { types: NAME_TYPES, default: 'str', literal: 'str' } };
}

/**
 * What an export posts: export data's spec spreads these, and lib/export.ts reads a message's
 * values (a typed Source or View name, any case of a format) by them.
 */
export function exportSettings(): Record<string, Setting> {
  return {
    source: exportName('source'),
    viewName: exportName('viewName'),
    // The documentation writes `csv` and `JSON`: any case is read (and sent as listed).
    outputFormat: { value: 'CSV', label: 'outputFormat', rule: { kind: 'oneOf', values: EXPORT_FORMATS, ignoreCase: true } },
    // Any case, but written as one word: "People in Organization" is refused (CHANGELOG).
    scope: { value: 'Private', label: 'scope', rule: { kind: 'oneOf', values: EXPORT_SCOPES, ignoreCase: true } },
    criteriaVersion: { value: 'v1.0', label: 'criteriaVersion', rule: { kind: 'text' } },
    // Relative to the server's base URL, as the runtime sends it; empty means the default.
    path: { value: EXPORT_PATH, label: 'exportPath', rule: { kind: 'pattern', pattern: /^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/ } },
  };
}

/** Changes only: every row (the default), or the new and changed rows since the last run. */
export const CHANGES_CHOICES = ['all', 'changed'] as const;
/** The formats changes only works with: the ones that hand on rows. */
export const ROW_FORMATS = ['rows', 'stream-rows'] as const;
/** Key columns: comma separated names, at least one not empty. */
export const KEY_COLUMNS = /[^,\s]/;

/**
 * The settings of fetch output's hand-on (format, directory, file name, size, documents,
 * block size, changes only); `when` limits them to a mode of the node (export's data mode).
 */
export function outputSettings(when?: Setting['when']): Record<string, Setting> {
  const format = (f: string): Setting['when'] => ({ setting: 'format', is: [f] });
  return {
    format: { value: 'auto', label: 'format', rule: { kind: 'oneOf', values: OUTPUT_FORMATS }, when },
    // Required for the file format: left empty it failed only at run time (see migrateDirectory).
    directory: { value: '', label: 'directory', required: true, typed: { types: ['str', 'msg', 'flow', 'global', 'env'], default: 'str', literal: 'str' }, when: format('file') },
    filename: { value: '', label: 'filename', rule: { kind: 'fileName' }, typed: { types: ['str', 'msg', 'flow', 'global', 'env', 'jsonata'], default: 'str', literal: 'str' }, when: format('file') },
    maxSizeMB: { value: 100, label: 'maxSizeMB', rule: { kind: 'number', min: 0.001 }, when },
    documents: { value: 'first', label: 'documents', rule: { kind: 'oneOf', values: ['first', 'all'] }, when },
    rowsPerMessage: { value: 1000, label: 'rowsPerMessage', rule: { kind: 'number', min: 1, max: 1_000_000, integer: true }, when: format('stream-rows') },
    // On for new nodes; migrateTypedValues keeps text for nodes saved before it existed.
    typedValues: { value: true, label: 'typedValues', rule: { kind: 'boolean' }, when },
    // Its needs are checked on it (not on Key columns or Hand on as), so one red outline says what is missing.
    changes: {
      value: 'all',
      label: 'changes',
      rule: { kind: 'oneOf', values: CHANGES_CHOICES },
      needs: [
        { value: 'changed', setting: 'format', is: ROW_FORMATS, says: 'changesFormat', error: 'errors.changesFormat' },
        { value: 'changed', setting: 'keyColumns', pattern: KEY_COLUMNS, says: 'changesKeys', error: 'errors.changesKeys' },
      ],
      when,
    },
    keyColumns: { value: '', label: 'keyColumns', rule: { kind: 'text' }, when },
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
    interval: { value: 5, label: 'interval', rule: { kind: 'number', min: 0.05 }, when },
    maxInterval: { value: 60, label: 'maxInterval', rule: { kind: 'number', min: 0.05 }, notBelow: { setting: 'interval', error: 'errors.maxBelowInterval' }, when },
    timeout: { value: 3600, label: 'waitTimeout', rule: { kind: 'number', min: 0 }, when },
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

/** The job events node's events, in the order a job reaches them. */
export const JOB_EVENTS = ['queued', 'started', 'completed', 'failed'] as const;
export type JobEventChoice = (typeof JOB_EVENTS)[number];

const ONE_EVENT = `(${JOB_EVENTS.join('|')})`;
const EVENT_LIST = new RegExp(`^\\s*${ONE_EVENT}(\\s*,\\s*${ONE_EVENT})*\\s*$`, 'i');

/** The job events node's `events`: a comma-separated list of JOB_EVENTS, any case. */
export function jobEventsSetting(): Setting {
  return { value: 'completed,failed', label: 'events', rule: { kind: 'pattern', pattern: EVENT_LIST, says: 'events' } };
}

/** The events a saved `events` names (a value the rule accepts), each once, in JOB_EVENTS order. */
export function jobEventList(value: string): JobEventChoice[] {
  const named = value.split(',').map((e) => e.trim().toLowerCase());
  return JOB_EVENTS.filter((e) => named.includes(e));
}

/** name and server: every working node has them. */
export function commonSettings(): Record<string, Setting> {
  return {
    name: { value: '' },
    server: { value: '', config: 'aims360-config' },
  };
}
