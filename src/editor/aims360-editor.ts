/**
 * The editor side of every AIMS360 node, compiled at build into the package's resources/
 * (served by Node-RED at resources/@flowjobs/node-red-aims360/) and loaded as a module by
 * each node's .html before its generated registerType call.
 */
import '../../nodes/aims360-config/editor.js';
import '../../nodes/export/editor.js';
import '../../nodes/fetch-output/editor.js';
import '../../nodes/job-events/editor.js';
import '../../nodes/job-status/editor.js';
import '../../nodes/request/editor.js';
import '../../nodes/rerun-job/editor.js';
import '../../nodes/wait-for-job/editor.js';
import { outputSettings, waitSettings } from '../lib/settings.js';
import { defineNode, editorDefaults, migrateOnAdd, registerType } from './define.js';
import { spec as fetchOutput } from '../../nodes/fetch-output/spec.js';
import { spec as waitForJob } from '../../nodes/wait-for-job/spec.js';

migrateOnAdd();

window.AIMS360Editor = {
  defineNode,
  registerType,
  /** The editor defaults of the shared output and wait settings (their names, for a check). */
  outputDefaults: (t: (key: string) => string) => editorDefaults(fetchOutput, t, Object.keys(outputSettings())),
  waitDefaults: (t: (key: string) => string) => editorDefaults(waitForJob, t, Object.keys(waitSettings())),
};
