import { NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, jobEventsSetting, workingNode } from '../../src/lib/settings.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-job-events', 'job-events.svg'),
  // It watches the account: nothing comes in.
  inputs: 0,
  outputLabels: ['port.output'],
  migrations: [(def) => def],
  settings: {
    ...commonSettings(),
    events: jobEventsSetting(),
    // An OData clause ANDed to every poll; the API judges it (a 400 goes to Catch).
    filter: { value: '', label: 'eventsFilter', rule: { kind: 'text' } },
    interval: { value: 30, label: 'interval', rule: { kind: 'number', min: 1 } },
  },
};
