import { NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, jobIdSetting, waitSettings, workingNode } from '../../src/lib/settings.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-wait-for-job', 'wait-for-job.svg'),
  variableOutputs: true,
  // 4 with progress on.
  outputs: 3,
  inputLabel: 'port.input',
  outputLabels: ['port.completed', 'port.failed', 'port.timedOut', 'port.progress'],
  migrations: [(def) => def],
  settings: { ...commonSettings(), jobId: jobIdSetting(), ...waitSettings() },
};
