import { commonSettings, jobIdSetting, NodeSpec, waitSettings } from '../lib/rules.js';

export const spec: NodeSpec = {
  type: 'aims360-wait-for-job',
  prefix: 'aims360-wait-for-job',
  category: 'AIMS360',
  color: '#7FC6D9',
  icon: 'wait-for-job.svg',
  inputs: 1,
  variableOutputs: true,
  // 4 with progress on.
  outputs: 3,
  inputLabel: 'port.input',
  outputLabels: ['port.completed', 'port.failed', 'port.timedOut', 'port.progress'],
  version: 1,
  migrations: [(def) => def],
  settings: { ...commonSettings(), jobId: jobIdSetting(), ...waitSettings() },
};
