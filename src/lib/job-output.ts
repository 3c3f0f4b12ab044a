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
    const text = said ? `: ${said}` : '';
    throw new AimsError('JOB_FAILED', `Job ${id} failed${text}. It has no output: rerun it (rerun job node) and wait for it again.`);
  }
  if (status !== 'Completed') {
    throw new AimsError('JOB_NOT_COMPLETED', `Job ${id} is ${String(readField(job, 'jobStatus', 'JobStatus') ?? 'in an unknown state')}, not Completed: put a wait for job node before this one.`);
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
    throw new AimsError('BAD_RESPONSE', `The response of job ${readJobId(job) ?? '?'} is not valid JSON.`);
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
    if (!link) throw new AimsError('BAD_RESPONSE', `Document "${name}" of job ${id} has no DownloadLink and the job no publishLink.`);
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
  if (docs.length === 0) throw new AimsError('BAD_RESPONSE', `Job ${id} is a Publishlink job but lists no document and no publishLink.`);
  return docs;
}

/** The bearer token goes with a document request unless the scope is Public. */
export function needsToken(job: Job): boolean {
  return readScope(readField(job, 'publishLinkAccessScope', 'PublishLinkAccessScope')) !== 'Public';
}
