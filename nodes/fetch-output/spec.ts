import { NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, jobIdSetting, migrateDirectory, migrateTypedValues, outputSettings, workingNode } from '../../src/lib/settings.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-fetch-output', 'fetch-output.svg'),
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  version: 2,
  migrations: [migrateDirectory, migrateTypedValues],
  settings: { ...commonSettings(), jobId: jobIdSetting(), ...outputSettings() },
};
