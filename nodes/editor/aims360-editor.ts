/**
 * The editor side of every AIMS360 node, compiled at build into the package's resources/
 * (served by Node-RED at resources/@flowjobs/node-red-aims360/) and loaded as a module by
 * each node's .html before its generated registerType call.
 */
import '../aims360-config/editor.js';
import '../export/editor.js';
import '../fetch-output/editor.js';
import '../job-status/editor.js';
import '../request/editor.js';
import '../rerun-job/editor.js';
import '../wait-for-job/editor.js';
import { outputSettings, waitSettings } from '../lib/rules.js';
import { defineNode, editorDefaults, migrateOnAdd, registerType } from './define.js';
import { spec as fetchOutput } from '../fetch-output/spec.js';
import { spec as waitForJob } from '../wait-for-job/spec.js';

migrateOnAdd();

window.AIMS360Editor = {
  defineNode,
  registerType,
  /** The editor defaults of the shared output and wait settings (their names, for a check). */
  outputDefaults: (t: (key: string) => string) => editorDefaults(fetchOutput, t, Object.keys(outputSettings())),
  waitDefaults: (t: (key: string) => string) => editorDefaults(waitForJob, t, Object.keys(waitSettings())),
};
