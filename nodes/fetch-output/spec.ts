import { commonSettings, jobIdSetting, migrateDirectory, NodeSpec, outputSettings } from '../lib/rules.js';

export const spec: NodeSpec = {
  type: 'aims360-fetch-output',
  prefix: 'aims360-fetch-output',
  category: 'AIMS360',
  color: '#7FC6D9',
  icon: 'fetch-output.svg',
  inputs: 1,
  outputs: 1,
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  version: 1,
  migrations: [migrateDirectory],
  settings: { ...commonSettings(), jobId: jobIdSetting(), ...outputSettings() },
};
