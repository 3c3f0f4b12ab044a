import { commonSettings, EXPORT_FORMATS, EXPORT_SCOPES, isEmpty, migrateDirectory, migrateTypedValues, NodeSpec, outputSettings, OVERLAP_CHOICES, Setting, waitSettings, workingNode } from '../../src/lib/rules.js';

// Only data mode waits and fetches: its settings count only there.
const data = { setting: 'mode', is: ['data'] } as const;
const NAME_TYPES = ['str', 'msg', 'flow', 'global', 'env', 'jsonata'] as const;

/** Source and View name: required as text, anything else evaluated per message. */
function name(label: string): Setting {
  return { value: '', label, required: true, typed: { types: NAME_TYPES, default: 'str', literal: 'str' } };
}

const output = outputSettings(data);

export const spec: NodeSpec = {
  ...workingNode('aims360-export', 'export.svg'),
  // 2: Hand on as (format) defaults to rows; typed values.
  version: 2,
  // 1 output, 2 in data mode with progress on.
  variableOutputs: true,
  inputLabel: 'port.input',
  migrations: [
    // Saved before the mode existed (or imported without it): the data, as then.
    (def) => migrateDirectory(def.mode === undefined || def.mode === '' ? { ...def, mode: 'data' } : def),
    // Saved when an empty format meant auto (it keeps auto), and before typed values (text).
    (def) => migrateTypedValues(isEmpty(def.format) ? { ...def, format: 'auto' } : def),
  ],
  settings: {
    ...commonSettings(),
    source: name('Source'),
    viewName: name('View name'),
    // The documentation writes `csv` and `JSON`: any case is read.
    outputFormat: { value: 'CSV', label: 'The output format', rule: { kind: 'oneOf', values: EXPORT_FORMATS, ignoreCase: true } },
    scope: { value: 'Private', label: 'The access scope', rule: { kind: 'oneOf', values: EXPORT_SCOPES, ignoreCase: true } },
    criteriaVersion: { value: 'v1.0' },
    // Relative to the server's base URL, as the runtime sends it; empty means the default.
    path: { value: '/reports/v1.0/reports/exportdata', label: 'The endpoint path', rule: { kind: 'pattern', pattern: /^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/ } },
    mode: { value: 'data', label: 'The mode', rule: { kind: 'oneOf', values: ['data', 'start'] } },
    // A node saved before it existed shares, the default: no migration.
    overlap: { value: 'share', label: 'Overlap', rule: { kind: 'oneOf', values: OVERLAP_CHOICES }, when: data },
    ...output,
    // What export users want (the README's quick start); fetch output keeps auto.
    format: { ...output.format, value: 'rows' },
    ...waitSettings(data),
  },
};
