import { commonSettings, jobIdSetting, migrateDirectory, NodeSpec, outputSettings, workingNode } from '../lib/rules.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-fetch-output', 'fetch-output.svg'),
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  migrations: [migrateDirectory],
  settings: { ...commonSettings(), jobId: jobIdSetting(), ...outputSettings() },
};
