import { NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, jobIdSetting, workingNode } from '../../src/lib/settings.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-rerun-job', 'rerun-job.svg'),
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  migrations: [(def) => def],
  settings: { ...commonSettings(), jobId: jobIdSetting(), checkFirst: { value: true, rule: { kind: 'boolean' } } },
};
