/** What a finished job offers: its in-line JSON, or its documents, their links and the scope that says whether the token goes. */
import { AimsError } from './errors';
import { isJob, Job, readField, readJobId, readJobStatus, readScope, readText } from './job';

export const MB = 1024 * 1024;

/** Whether msg.payload is a job object to use as is, rather than something holding a job id. */
export function looksLikeJob(value: unknown): value is Job {
  return isJob(value) && readJobId(value) !== undefined && readJobStatus(value) !== undefined &&
    ('responseType' in value || 'response' in value);
}

export function checkCompleted(job: Job): void {
  const status = readJobStatus(job);
  const id = readJobId(job) ?? '?';
  if (status === 'Failed') {
    const said = readText(job, 'jobStatusText', 'JobStatusText');
    throw said
      ? AimsError.of('JOB_FAILED', 'aims360.errors.jobOutput.failedSaying', { id, said })
      : AimsError.of('JOB_FAILED', 'aims360.errors.jobOutput.failed', { id });
  }
  if (status !== 'Completed') {
    const state = readField(job, 'jobStatus', 'JobStatus');
    throw state === undefined || state === null
      ? AimsError.of('JOB_NOT_COMPLETED', 'aims360.errors.jobOutput.unknownState', { id })
      : AimsError.of('JOB_NOT_COMPLETED', 'aims360.errors.jobOutput.notCompleted', { id, status: String(state) });
  }
}

/** `response` arrives as a JSON-encoded string or already as JSON. */
function parseResponse(job: Job): unknown {
  const raw = readField(job, 'response', 'Response');
  if (typeof raw !== 'string') return raw ?? null;
  if (raw.trim() === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw AimsError.of('BAD_RESPONSE', 'aims360.errors.jobOutput.badJson', { id: readJobId(job) ?? '?' });
  }
}

export function isPublishlink(job: Job): boolean {
  const type = readText(job, 'responseType', 'ResponseType')?.replace(/[^a-z]/gi, '').toLowerCase();
  if (type === 'publishlink') return true;
  if (type === 'inlinejson') return false;
  return readText(job, 'publishLink', 'PublishLink') !== undefined;
}

export function inlineOutput(job: Job): unknown {
  return parseResponse(job);
}

export interface DocumentInfo {
  name: string;
  /** The extension without its dot, lower case: csv, xlsx, json, pdf… */
  type: string;
  sizeBytes?: number;
  expiryDate?: string;
  documentId?: string;
}

export interface JobDocument {
  info: DocumentInfo;
  link: string;
}

/** A file name's extension without its dot, lower case; empty when it has none. */
export function extension(name: string): string {
  const m = /\.([a-z0-9]{1,10})$/i.exec(name);
  return m ? m[1].toLowerCase() : '';
}

/** Every document a Publishlink job lists, each with its DownloadLink or else the job's publishLink. */
export function jobDocuments(job: Job): JobDocument[] {
  const id = readJobId(job) ?? 'document';
  const publishLink = readText(job, 'publishLink', 'PublishLink');
  const response = parseResponse(job);
  const list = Array.isArray(response) ? response : isJob(response) ? [response] : [];
  const docs: JobDocument[] = list.filter(isJob).map((d) => {
    const name = readText(d, 'documentName', 'DocumentName', 'name') ?? id;
    const type = (readText(d, 'Type', 'type') ?? '').replace(/^\./, '').toLowerCase() || extension(name);
    const link = readText(d, 'DownloadLink', 'downloadLink', 'downloadlink') ?? publishLink;
    if (!link) throw AimsError.of('BAD_RESPONSE', 'aims360.errors.jobOutput.noLink', { name, id });
    const size = Number(readField(d, 'SizeInMB', 'sizeInMB'));
    const info: DocumentInfo = { name, type };
    if (Number.isFinite(size) && size > 0) info.sizeBytes = Math.round(size * MB);
    const expiry = readText(d, 'ExpiryDate', 'expiryDate');
    if (expiry) info.expiryDate = expiry;
    const docId = readText(d, 'DocumentID', 'DocumentId', 'documentId', 'DocumentGUID');
    if (docId) info.documentId = docId;
    return { info, link };
  });
  if (docs.length === 0 && publishLink) docs.push({ info: { name: id, type: '' }, link: publishLink });
  if (docs.length === 0) throw AimsError.of('BAD_RESPONSE', 'aims360.errors.jobOutput.noDocuments', { id });
  return docs;
}

/** The bearer token goes with a document request unless the scope is Public. */
export function needsToken(job: Job): boolean {
  return readScope(readField(job, 'publishLinkAccessScope', 'PublishLinkAccessScope')) !== 'Public';
}
