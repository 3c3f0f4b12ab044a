import { defineNode } from '../editor/define.js';
import { spec } from './spec.js';

defineNode(spec);
