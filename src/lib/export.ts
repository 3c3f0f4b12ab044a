/** Starting an AIMS360 data export (Aqua) of one view: settings, body, endpoint path. */
import type { AimsClient } from './client';
import { AimsError, isAimsError } from './errors';
import { AccessScope, Job, namedJob, readScope } from './job';
import { EXPORT_FORMATS, EXPORT_SCOPES } from './rules';

// ---- settings: plain data and pure checks, so that an editor can apply the same rules ----

export { EXPORT_FORMATS, EXPORT_SCOPES };
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The latest documented endpoint, and the one the documentation named before it. */
export const EXPORT_PATH = '/reports/v1.0/reports/exportdata';
export const EARLIER_EXPORT_PATH = '/reports/v1.0/exportdata';

export const EXPORT_DEFAULTS = {
  outputFormat: 'CSV',
  scope: 'Private',
  criteriaVersion: 'v1.0',
  path: EXPORT_PATH,
} as const satisfies { outputFormat: ExportFormat; scope: AccessScope; criteriaVersion: string; path: string };

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

/** A checked setting: the value to send, or what is wrong in plain words. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const problem = (text: string): Checked<never> => ({ ok: false, problem: text });

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** What a wrong value is, in words a flow author recognises ("a list", "a Date"). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const name = typeof value === 'object' ? (value as { constructor?: { name?: unknown } }).constructor?.name : typeof value;
  const noun = typeof name === 'string' && name !== 'Object' ? name : 'object';
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** A wrong value shown safely: text quoted, anything else by its kind (JSON.stringify throws on a bigint). */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : kindOf(value);
}

/** A required name (Source, View name): text, not empty. */
function checkName(what: string, example: string) {
  return (value: unknown): Checked<string> => {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return problem(`The ${what} must be text, not ${kindOf(value)}.`);
    }
    if (isEmpty(value)) return problem(`No ${what}: choose one (e.g. ${example}) or set it from the message.`);
    return ok((value as string).trim());
  };
}

/** A setting with a default: empty gives the default, text is read by `read`. */
function checkChoice<T>(what: string, fallback: T, read: (text: string) => T | undefined, allowed: string) {
  return (value: unknown): Checked<T> => {
    if (isEmpty(value)) return ok(fallback);
    const chosen = typeof value === 'string' ? read(value.trim()) : undefined;
    return chosen === undefined ? problem(`The ${what} must be ${allowed}, not ${shown(value)}.`) : ok(chosen);
  };
}

/** Same route whatever the slashes or case around it. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.trim().replace(/^\/+|\/+$/g, '').toLowerCase();
  return norm(a) === norm(b);
}

/** Each setting's rule, one place for runtime and editor. */
export const EXPORT_CHECKS: { [K in ExportField]: (value: unknown) => Checked<ExportSettings[K]> } = {
  source: checkName('Source', 'Orders'),
  viewName: checkName('View name', 'All orders'),
  // The documentation writes `csv` and `JSON`: any case is read.
  outputFormat: checkChoice<ExportFormat>('output format', EXPORT_DEFAULTS.outputFormat,
    (text) => EXPORT_FORMATS.find((f) => f.toLowerCase() === text.toLowerCase()), EXPORT_FORMATS.join(', ')),
  scope: checkChoice<AccessScope>('access scope', EXPORT_DEFAULTS.scope, readScope, EXPORT_SCOPES.join(', ')),
  criteriaVersion: checkChoice<string>('criteria version', EXPORT_DEFAULTS.criteriaVersion, (text) => text, 'text such as v1.0'),
  // The default path saved by the editor still gets the fallback: only another path is taken as is.
  path: checkChoice<string>('endpoint path', EXPORT_DEFAULTS.path,
    (text) => (samePath(text, EXPORT_PATH) ? EXPORT_PATH : text), 'text such as /reports/v1.0/reports/exportdata'),
};

/** All settings checked, before any request; the first problem is BAD_INPUT. */
export function readExportSettings(input: ExportInput): ExportSettings {
  const out: ExportInput = {};
  for (const field of Object.keys(EXPORT_CHECKS) as ExportField[]) {
    const checked = EXPORT_CHECKS[field](input[field]);
    if (!checked.ok) throw AimsError.of('BAD_INPUT', 'aims360.errors.setting', { problem: checked.problem });
    out[field] = checked.value;
  }
  return out as ExportSettings;
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
