import { commonSettings, jobIdSetting, NodeSpec } from '../lib/rules.js';

export const spec: NodeSpec = {
  type: 'aims360-rerun-job',
  prefix: 'aims360-rerun-job',
  category: 'AIMS360',
  color: '#7FC6D9',
  icon: 'rerun-job.svg',
  inputs: 1,
  outputs: 1,
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  version: 1,
  migrations: [(def) => def],
  settings: { ...commonSettings(), jobId: jobIdSetting(), checkFirst: { value: true, rule: { kind: 'boolean' } } },
};
