import { defineNode } from '../../src/editor/define.js';
import { outputFields } from '../../src/editor/fields.js';
import { spec } from './spec.js';

defineNode(spec, {
  oneditprepare() {
    outputFields();
  },
});
