import { NodeSpec } from '../../src/lib/rules.js';
import { commonSettings, methodSetting, workingNode } from '../../src/lib/settings.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-request', 'request.svg'),
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  migrations: [(def) => def],
  settings: {
    ...commonSettings(),
    method: methodSetting(),
    path: {
      value: '',
      label: 'requestPath',
      required: true,
      missing: 'errors.path',
      rule: { kind: 'apiPath' },
      error: 'errors.url',
      typed: { types: ['str', 'msg', 'flow', 'global', 'env', 'jsonata'], default: 'str', literal: 'str' },
    },
    query: {
      value: '',
      label: 'query',
      rule: { kind: 'jsonObject' },
      typed: { types: ['json', 'msg', 'flow', 'global', 'jsonata'], default: 'json', literal: 'json' },
    },
    body: { value: '', typed: { types: ['msg', 'flow', 'global', 'json', 'str', 'env', 'jsonata'], default: 'msg', literal: '' } },
    retryPost: { value: false, rule: { kind: 'boolean' } },
  },
};
