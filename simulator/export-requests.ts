// Data exports (Aqua): the documented request body checked against the System Views
// catalogue and the account's custom views, turned into the spec of a new job.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { normaliseScope, type JobSpec } from './jobs';
import { rowObject, tableFor, type EditedViews } from './tables';
import { SpecError, stamp } from './util';

/** The latest documented path, and the earlier one (the seed's era). */
export const LATEST_EXPORT = /^\/reports\/v1\.0\/reports\/exportdata\/?$/i;
export const EARLIER_EXPORT = /^\/reports\/v1\.0\/exportdata\/?$/i;

export interface CustomView {
  source: string;
  viewName: string;
}

/** Every simulator has one custom view unless told otherwise, so free-text views can be tried. */
export const DEFAULT_CUSTOM_VIEWS: readonly CustomView[] = [{ source: 'Orders', viewName: 'My Open Orders' }];

/** JSON exports of at most this many rows come In-line; bigger ones as a .json document. */
export const INLINE_JSON_MAX_ROWS = 100;

/** A refused export body: answered 400 with this message. */
export class ExportError extends Error {}

type Catalogue = Map<string, { source: string; views: Set<string> }>;
let catalogue: Catalogue | undefined;

// The same file the editor serves; from dist/simulator/ it is two levels up.
function systemViews(): Catalogue {
  if (catalogue) return catalogue;
  const file = path.join(__dirname, '..', '..', 'resources', 'aims360-views.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as { modules: { views: CustomView[] }[] };
  const built: Catalogue = new Map();
  for (const view of data.modules.flatMap((m) => m.views)) {
    const key = view.source.toLowerCase();
    const entry = built.get(key) ?? { source: view.source, views: new Set<string>() };
    entry.views.add(view.viewName.toLowerCase());
    built.set(key, entry);
  }
  catalogue = built;
  return built;
}

/** The Source as the catalogue spells it, when it has this view (a System View or a custom one). */
function findView(source: string, viewName: string, customViews: readonly CustomView[]): string {
  const key = source.toLowerCase();
  const system = systemViews().get(key);
  const custom = customViews.filter((v) => v.source.toLowerCase() === key);
  if (!system && custom.length === 0) throw new ExportError(`The Source '${source}' is not valid.`);
  const spelled = system?.source ?? custom[0].source;
  const view = viewName.toLowerCase();
  if (!system?.views.has(view) && !custom.some((v) => v.viewName.toLowerCase() === view)) {
    throw new ExportError(`The view '${viewName}' was not found for the Source '${spelled}'.`);
  }
  return spelled;
}

export function checkCustomView(view: unknown): CustomView {
  const v = view as Partial<CustomView> | null;
  if (v === null || typeof v !== 'object' || typeof v.source !== 'string' || !v.source.trim() || typeof v.viewName !== 'string' || !v.viewName.trim()) {
    throw new SpecError('A custom view must be an object with a non-empty source and viewName.');
  }
  return { source: v.source, viewName: v.viewName };
}

const FORMATS: Record<string, 'csv' | 'xlsx' | 'json'> = { csv: 'csv', excel: 'xlsx', json: 'json' };

function required(obj: Record<string, unknown>, field: string, label = field): string {
  const v = obj[field];
  if (v === undefined || v === null || v === '') throw new ExportError(`The ${label} field is required.`);
  if (typeof v !== 'string') throw new ExportError(`The ${label} field must be a string.`);
  return v;
}

/** The documented body, checked field by field; names are compared case-insensitively as the API does. */
function documentedSpec(input: Record<string, unknown>, customViews: readonly CustomView[], rows: number, now: number, editedViews?: EditedViews): JobSpec {
  const exportType = required(input, 'exportType');
  if (exportType.toLowerCase() !== 'view') throw new ExportError(`The exportType '${exportType}' is not supported. Use View.`);
  const settings = input.exportDataSettings;
  if (settings === undefined || settings === null) throw new ExportError('The exportDataSettings field is required.');
  if (typeof settings !== 'object' || Array.isArray(settings)) throw new ExportError('The exportDataSettings field must be an object.');
  const s = settings as Record<string, unknown>;
  // The documentation's property table writes `source`, its example `Source`.
  const rawSource = required(s, s.Source === undefined && s.source !== undefined ? 'source' : 'Source', 'exportDataSettings.Source');
  const viewName = required(s, 'viewName', 'exportDataSettings.viewName');
  const source = findView(rawSource, viewName, customViews);
  const version = required(input, 'exportCriteriaVersion');
  if (version.toLowerCase() !== 'v1.0') throw new ExportError(`The exportCriteriaVersion '${version}' is not supported. Use v1.0.`);
  const outputFormat = required(input, 'outputFormat');
  const format = FORMATS[outputFormat.toLowerCase()];
  if (!format) throw new ExportError(`The outputFormat '${outputFormat}' is not valid. Use CSV, Excel or JSON.`);
  const rawScope = required(input, 'publishLinkAccessScope');
  const scope = normaliseScope(rawScope);
  if (!scope) throw new ExportError(`The publishLinkAccessScope '${rawScope}' is not valid. Use Public, Private or PeopleInOrganization.`);
  const spec: JobSpec = {
    subCategory: 'View export',
    description: `Export ${source} view ${viewName} as ${outputFormat}`,
    scope,
  };
  const edited = editedViews?.exported(source, viewName);
  const count = edited?.rows ?? rows;
  if (format === 'json' && count <= INLINE_JSON_MAX_ROWS) {
    const table = edited?.table ?? tableFor(source, viewName);
    spec.responseType = 'In-line JSON';
    spec.inline = Array.from({ length: count }, (_, i) => rowObject(table, i));
  } else {
    spec.responseType = 'Publishlink';
    spec.documents = [{ format, rows: count, source, view: viewName, table: edited?.table, name: fileName(viewName, format, now) }];
  }
  return spec;
}

/**
 * The simulator's own older body (exportType, viewName or exportName, outputFormat csv, Excel,
 * JSON or PDF), still read on the earlier path when exportDataSettings is absent, so flows
 * built against earlier simulator versions keep running. Not an AIMS360 shape.
 */
function olderSpec(input: Record<string, unknown>, now: number): JobSpec {
  const format = String(input.outputFormat ?? '').toLowerCase();
  const docFormat = format === 'pdf' || format === 'xlsx' ? format : FORMATS[format];
  if (!docFormat) throw new ExportError('outputFormat must be one of csv, Excel, JSON, PDF.');
  const scope = normaliseScope(input.publishLinkAccessScope ?? 'Private');
  if (!scope) throw new ExportError('publishLinkAccessScope must be Public, Private or PeopleInOrganization.');
  const exportType = typeof input.exportType === 'string' && input.exportType ? input.exportType : 'View';
  const nameOf = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const name = nameOf(input.exportName) ?? nameOf(input.viewName) ?? `${exportType}Export`;
  const spec: JobSpec = { subCategory: `${exportType} export`, description: `Export ${name} as ${String(input.outputFormat)}`, scope };
  if (docFormat === 'json') spec.responseType = 'In-line JSON';
  else {
    spec.responseType = 'Publishlink';
    spec.documents = [{ format: docFormat, rows: 25, name: fileName(name, docFormat, now) }];
  }
  return spec;
}

function fileName(name: string, format: string, now: number): string {
  return `${name.replace(/[^\w.-]+/g, '_')}_${stamp(now).slice(0, 14)}.${format}`;
}

export interface ExportContext {
  /** True on the earlier path, where the older body is still read. */
  earlier: boolean;
  customViews: readonly CustomView[];
  rows: number;
  now: number;
  /** Views whose rows were edited: their exports serve those rows. */
  editedViews?: EditedViews;
}

/** The job an export body asks for (category, output, scope), or an ExportError. */
export function exportJobSpec(body: unknown, ctx: ExportContext): JobSpec {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ExportError('The request is invalid.');
  const input = body as Record<string, unknown>;
  const spec = ctx.earlier && input.exportDataSettings === undefined ? olderSpec(input, ctx.now) : documentedSpec(input, ctx.customViews, ctx.rows, ctx.now, ctx.editedViews);
  return { category: 'Reports', ...spec, request: input };
}
