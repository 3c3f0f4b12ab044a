import { NodeSpec } from '../../src/lib/rules.js';
import { maxRequestsSetting, timeoutSetting } from '../../src/lib/settings.js';

/** The regions the dialog offers, West US first (the default). */
export const REGIONS = [
  { id: 'west', url: 'https://apiwest.aims360.rest' },
  { id: 'east', url: 'https://apieast.aims360.rest' },
  { id: 'global', url: 'https://api.aims360.rest' },
] as const;

export const spec: NodeSpec = {
  type: 'aims360-config',
  prefix: 'aims360-config',
  category: 'config',
  color: '#7FC6D9',
  inputs: 0,
  outputs: 0,
  version: 1,
  migrations: [(def) => def],
  settings: {
    name: { value: '' },
    baseUrl: { value: REGIONS[0].url, label: 'baseUrl', required: true, rule: { kind: 'httpUrl' } },
    authType: { value: 'token', label: 'authType', rule: { kind: 'oneOf', values: ['token', 'oauth2'] } },
    // Empty means the documented endpoint under the base URL.
    tokenUrl: { value: '', label: 'tokenUrl', rule: { kind: 'httpUrl' }, when: { setting: 'authType', is: ['oauth2'] } },
    timeout: timeoutSetting(),
    trustedHosts: { value: '', label: 'trustedHosts', rule: { kind: 'hostList' } },
    // Flows saved before it get the default (10): migrate() fills a missing setting in.
    maxRequestsPerSecond: maxRequestsSetting(),
  },
  credentials: {
    token: { type: 'password' },
    clientId: { type: 'text' },
    clientSecret: { type: 'password' },
    username: { type: 'text' },
    password: { type: 'password' },
  },
};
