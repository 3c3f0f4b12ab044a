import { defineNode } from '../editor/define.js';
import { outputFields } from '../editor/fields.js';
import { spec } from './spec.js';

defineNode(spec, {
  oneditprepare() {
    outputFields('aims360-fetch-output');
  },
});
