import { NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, jobIdSetting, workingNode } from '../../src/lib/settings.js';

const query = { setting: 'mode', is: ['query'] } as const;
const single = { setting: 'mode', is: ['single'] } as const;
const OPTION_TYPES = ['str', 'msg', 'flow', 'global', 'env', 'jsonata'] as const;

export const spec: NodeSpec = {
  ...workingNode('aims360-job-status', 'job-status.svg'),
  migrations: [(def) => def],
  settings: {
    ...commonSettings(),
    mode: { value: 'single', label: 'statusMode', rule: { kind: 'oneOf', values: ['single', 'query'] } },
    jobId: { ...jobIdSetting(), when: single },
    filter: { value: '', typed: { types: OPTION_TYPES, default: 'str', literal: 'str' }, when: query },
    orderby: { value: '', typed: { types: OPTION_TYPES, default: 'str', literal: 'str' }, when: query },
    top: {
      value: '',
      label: 'top',
      rule: { kind: 'number', min: 1, integer: true },
      typed: { types: ['num', 'msg', 'flow', 'global', 'env'], default: 'num', literal: 'num' },
      when: query,
    },
    select: { value: '', typed: { types: OPTION_TYPES, default: 'str', literal: 'str' }, when: query },
    maxPages: { value: 10, label: 'maxPages', rule: { kind: 'number', min: 1, max: 1000, integer: true }, when: query },
  },
};

/**
 * Query mode's presets, in the order the dialog offers them: each gives the filter and
 * order by it fills in. A date relative to now is a JSONata filter, so it is worked out each
 * time a message runs, not when the dialog is edited. The tests run these very filters.
 */
export interface QueryPreset {
  id: string;
  hours?: { value: number; min: number; max: number };
  fields(hours?: number): { filter: string; filterType: 'str' | 'jsonata'; orderby: string };
}

const HOUR_MS = '60 * 60 * 1000';
export const JOB_QUERY_PRESETS: readonly QueryPreset[] = [
  {
    id: 'running',
    fields: () => ({ filter: "jobStatus eq 'Queued' or jobStatus eq 'Inprogress'", filterType: 'str', orderby: 'createdDate desc' }),
  },
  {
    id: 'failed',
    // createdDate, as the rerun-failed-jobs example: it is set on every job.
    hours: { value: 24, min: 1, max: 8760 },
    fields: (hours) => ({
      filter: `"jobStatus eq 'Failed' and createdDate ge " & $fromMillis($millis() - ${hours} * ${HOUR_MS})`,
      filterType: 'jsonata',
      orderby: 'createdDate desc',
    }),
  },
  {
    id: 'completedToday',
    // Since midnight on the Node-RED host's clock ($moment is Node-RED's JSONata extension).
    fields: () => ({
      filter: `"jobStatus eq 'Completed' and completedDate ge " & $moment().startOf('day').toISOString()`,
      filterType: 'jsonata',
      orderby: 'completedDate desc',
    }),
  },
];
