import { commonSettings, METHODS, NodeSpec, workingNode } from '../../src/lib/rules.js';

export const spec: NodeSpec = {
  ...workingNode('aims360-request', 'request.svg'),
  inputLabel: 'port.input',
  outputLabels: ['port.output'],
  migrations: [(def) => def],
  settings: {
    ...commonSettings(),
    method: { value: 'GET', label: 'The method', rule: { kind: 'oneOf', values: METHODS } },
    path: {
      value: '',
      label: 'The path',
      required: true,
      missing: 'errors.path',
      rule: { kind: 'apiPath' },
      error: 'errors.url',
      typed: { types: ['str', 'msg', 'flow', 'global', 'env', 'jsonata'], default: 'str', literal: 'str' },
    },
    query: {
      value: '',
      label: 'The query',
      rule: { kind: 'jsonObject' },
      typed: { types: ['json', 'msg', 'flow', 'global', 'jsonata'], default: 'json', literal: 'json' },
    },
    body: { value: '', typed: { types: ['msg', 'flow', 'global', 'json', 'str', 'env', 'jsonata'], default: 'msg', literal: '' } },
    retryPost: { value: false, rule: { kind: 'boolean' } },
  },
};
