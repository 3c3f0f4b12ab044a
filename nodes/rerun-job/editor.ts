import { defineNode } from '../../src/editor/define.js';
import { spec } from './spec.js';

defineNode(spec);
