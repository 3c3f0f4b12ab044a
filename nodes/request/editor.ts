import { defineNode } from '../../src/editor/define.js';
import { spec } from './spec.js';

defineNode(spec, {
  label() {
    return this.pathType === 'str' && this.path ? `${String(this.method || 'GET')} ${String(this.path)}` : undefined;
  },
  oneditprepare() {
    const method = $('#node-input-method');
    method.on('change', () => {
      const m = method.val();
      $('.aims360-request-body').toggle(m !== 'GET');
      $('.aims360-request-retry').toggle(m === 'POST' || m === 'PATCH');
    });
    method.trigger('change');
  },
});
