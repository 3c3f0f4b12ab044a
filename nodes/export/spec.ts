import { isEmpty, NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, exportSettings, migrateDirectory, migrateTypedValues, outputSettings, OVERLAP_CHOICES, waitSettings, workingNode } from '../../src/lib/settings.js';

// Only data mode waits and fetches: its settings count only there.
const data = { setting: 'mode', is: ['data'] } as const;

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
    // Source, View name, format, scope, criteria version, path: lib/export.ts reads a message's by these.
    ...exportSettings(),
    mode: { value: 'data', label: 'exportMode', rule: { kind: 'oneOf', values: ['data', 'start'] } },
    // A node saved before it existed shares, the default: no migration.
    overlap: { value: 'share', label: 'overlap', rule: { kind: 'oneOf', values: OVERLAP_CHOICES }, when: data },
    ...output,
    // What export users want (the README's quick start); fetch output keeps auto.
    format: { ...output.format, value: 'rows' },
    ...waitSettings(data),
  },
};
