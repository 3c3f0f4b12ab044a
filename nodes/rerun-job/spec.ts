import { commonSettings, jobIdSetting, NodeSpec, workingNode } from '../../src/lib/rules.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-rerun-job', 'rerun-job.svg'),
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  migrations: [(def) => def],
  settings: { ...commonSettings(), jobId: jobIdSetting(), checkFirst: { value: true, rule: { kind: 'boolean' } } },
};
