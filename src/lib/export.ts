/** Starting an AIMS360 data export (Aqua) of one view: settings, body, endpoint path. */
import type { AimsClient } from './client';
import { AimsError, isAimsError } from './errors';
import { AccessScope, Job, namedJob } from './job';
import { readSetting } from './read-setting';
import { EXPORT_FORMATS, EXPORT_PATH, EXPORT_SCOPES, exportSettings } from './settings';

// ---- settings: their rules are settings.ts's exportSettings, which export data's spec spreads ----

export { EXPORT_FORMATS, EXPORT_PATH, EXPORT_SCOPES };
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The export endpoint the documentation named before EXPORT_PATH. */
export const EARLIER_EXPORT_PATH = '/reports/v1.0/exportdata';

export interface ExportSettings {
  source: string;
  viewName: string;
  outputFormat: ExportFormat;
  scope: AccessScope;
  criteriaVersion: string;
  /** EXPORT_PATH means "the documented path, with the fallback"; any other path is used as is. */
  path: string;
}

export type ExportField = keyof ExportSettings;
/** Settings as a node reads them (typed inputs may give anything); ExportSettings fits too. */
export type ExportInput = Partial<Record<ExportField, unknown>>;

const EXPORT_SETTINGS = exportSettings();

/** What a wrong value is, in words a flow author recognises ("a list", "a Date"). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const name = typeof value === 'object' ? (value as { constructor?: { name?: unknown } }).constructor?.name : typeof value;
  const noun = typeof name === 'string' && name !== 'Object' ? name : 'object';
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** Same route whatever the slashes or case around it. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.trim().replace(/^\/+|\/+$/g, '').toLowerCase();
  return norm(a) === norm(b);
}

/** All settings checked by their rules (the deploy check's and the editor's), before any request; the first problem is BAD_INPUT. */
export function readExportSettings(input: ExportInput): ExportSettings {
  const read = (field: ExportField) => readSetting(EXPORT_SETTINGS[field], input[field]) as string;
  const path = read('path');
  return {
    source: read('source').trim(),
    viewName: read('viewName').trim(),
    outputFormat: read('outputFormat') as ExportFormat,
    scope: read('scope') as AccessScope,
    criteriaVersion: read('criteriaVersion').trim(),
    // The default path saved by the editor still gets the fallback: only another path is taken as is.
    path: samePath(path, EXPORT_PATH) ? EXPORT_PATH : path,
  };
}

// ---- the body ----

/**
 * A plain object from any realm: a function node's objects come from its vm context,
 * whose Object.prototype is not ours, so the prototype is checked by shape, not identity.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** msg.exportBody: absent, or an object (its exportDataSettings too, when given). */
export function readExportBody(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.export.body', { kind: kindOf(value) });
  }
  const inner = value.exportDataSettings;
  if (inner !== undefined && !isPlainObject(inner)) {
    throw AimsError.of('BAD_INPUT', 'aims360.errors.export.bodySettings', { kind: kindOf(inner) });
  }
  return value;
}

/**
 * The body as the documentation's one example shapes it (field names exactly, `Source`
 * capitalised), with msg.exportBody merged over it and its exportDataSettings over ours.
 */
export function buildExportBody(settings: ExportSettings, exportBody?: unknown): Record<string, unknown> {
  const extra = readExportBody(exportBody) ?? {};
  const extraSettings = (extra.exportDataSettings as Record<string, unknown> | undefined) ?? {};
  const documented = {
    exportType: 'View',
    exportDataSettings: { Source: settings.source, viewName: settings.viewName },
    exportCriteriaVersion: settings.criteriaVersion,
    outputFormat: settings.outputFormat,
    publishLinkAccessScope: settings.scope,
  };
  // Spreading keeps the documented key order; later keys only replace values.
  return { ...documented, ...extra, exportDataSettings: { ...documented.exportDataSettings, ...extraSettings } };
}

// ---- starting it ----

/** Per config node (one client each): the documented path that answered. */
const workingPath = new WeakMap<AimsClient, string>();

export interface StartOptions {
  signal?: AbortSignal;
  /** Told once per client when the earlier path is adopted (Node-RED: node.log, level info). */
  log?: (text: string) => void;
}

export interface StartedExport {
  /** The API's answer as it came (jobId, jobStatus, publishLink, publishLinkAccessScope). */
  answer: Job;
  jobId: string;
  /** In our spelling when known (`Queued`), else as the API sent it. */
  jobStatus: unknown;
  /** The path that took the export. */
  path: string;
}

/** One POST, sent again only when refused unread (a 429 or a refused connection): a retry after any other failure could start the export twice. */
async function post(client: AimsClient, path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
  return (await client.requestJson(path, { method: 'POST', json: body, signal })).body;
}

const is404 = (err: unknown) => isAimsError(err) && err.status === 404;

/** Posts to the documented path, and once to the earlier one when that answers 404; remembers which worked. */
async function postToDocumentedPath(client: AimsClient, body: Record<string, unknown>, options: StartOptions): Promise<{ path: string; answer: unknown }> {
  const known = workingPath.get(client);
  if (known) return { path: known, answer: await post(client, known, body, options.signal) };
  let answer: unknown;
  let path = EXPORT_PATH;
  try {
    answer = await post(client, path, body, options.signal);
  } catch (err) {
    if (!is404(err)) throw err;
    path = EARLIER_EXPORT_PATH;
    try {
      answer = await post(client, path, body, options.signal);
    } catch (err2) {
      if (!is404(err2)) throw err2;
      throw AimsError.of('API_ERROR', 'aims360.errors.export.noPath', { path: EXPORT_PATH, earlier: EARLIER_EXPORT_PATH }, 404);
    }
    // Two exports may find it at once: say it once.
    if (workingPath.get(client) !== path) {
      options.log?.(`AIMS360 has no ${EXPORT_PATH} (404): exports through ${client.baseUrl.host} use ${path} from now on.`);
    }
  }
  workingPath.set(client, path);
  return { path, answer };
}

/** An export checked and built, not yet posted. */
export interface ExportRequest {
  settings: ExportSettings;
  body: Record<string, unknown>;
  /** Equal for two requests that would start the same export (endpoint and body). */
  key: string;
}

/** Checks every setting and msg.exportBody and builds the body, before any request. */
export function exportRequest(input: ExportInput, exportBody?: unknown): ExportRequest {
  const settings = readExportSettings(input);
  const body = buildExportBody(settings, exportBody);
  return { settings, body, key: `${settings.path} ${JSON.stringify(body)}` };
}

/**
 * Starts the export: checks every setting and msg.exportBody and builds the body before
 * any request, then posts once. The answer must name a job (jobId or jobID).
 */
export async function startExport(client: AimsClient, input: ExportInput, exportBody?: unknown, options: StartOptions = {}): Promise<StartedExport> {
  return postExport(client, exportRequest(input, exportBody), options);
}

/** Posts a built export once (startExport's second half). */
export async function postExport(client: AimsClient, request: ExportRequest, options: StartOptions = {}): Promise<StartedExport> {
  const { settings, body } = request;
  const { path, answer } = settings.path === EXPORT_PATH
    ? await postToDocumentedPath(client, body, options)
    : { path: settings.path, answer: await post(client, settings.path, body, options.signal) };
  const job = namedJob(answer);
  if (!job) throw AimsError.of('BAD_RESPONSE', 'aims360.errors.export.noJobId');
  return { answer: answer as Job, jobId: job.jobId, jobStatus: job.jobStatus, path };
}
