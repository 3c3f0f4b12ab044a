import { defineNode } from '../../src/editor/define.js';
import { spec } from './spec.js';

defineNode(spec, {
  oneditsave() {
    this.outputs = $('#node-input-progress').prop('checked') ? 4 : 3;
  },
});
