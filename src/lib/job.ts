/** Tolerant reading of the API's job objects: it spells the same field several ways. */

export type JobStatus = 'Queued' | 'Inprogress' | 'Completed' | 'Failed';
export type AccessScope = 'Public' | 'Private' | 'PeopleInOrganization';

/** A job as the API sends it; fields are read through the helpers below. */
export type Job = Record<string, unknown>;

const STATUSES: Record<string, JobStatus> = {
  queued: 'Queued',
  inprogress: 'Inprogress',
  completed: 'Completed',
  failed: 'Failed',
};

/**
 * The first of these spellings the object has itself; null counts as absent, so a
 * `jobId: null` beside a `jobID` does not hide it. Every reader of the API's objects uses this.
 */
export function readField(job: Job, ...names: string[]): unknown {
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(job, name) && job[name] !== undefined && job[name] !== null) return job[name];
  }
  return undefined;
}

/** The first spelling given, when it is non-empty text. */
export function readText(job: Job, ...names: string[]): string | undefined {
  const value = readField(job, ...names);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readJobId(job: Job): string | undefined {
  const id = readField(job, 'jobId', 'jobID', 'JobId', 'JobID');
  return typeof id === 'string' ? id : undefined;
}

/** The job's status in our one spelling, or undefined when the API sent none we know. */
export function readJobStatus(job: Job): JobStatus | undefined {
  const status = readField(job, 'jobStatus', 'JobStatus');
  if (typeof status !== 'string') return undefined;
  return STATUSES[status.replace(/[\s_-]/g, '').toLowerCase()];
}

/** canReRun as the API sent it, whatever its spelling: for telling the user. */
export function canReRunAsSent(job: Job): unknown {
  return readField(job, 'canReRun', 'CanReRun', 'canRerun');
}

/** canReRun is documented as "Yes"/"No"; any case, and a boolean, are read too. */
export function readCanReRun(job: Job): boolean {
  const value = canReRunAsSent(job);
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'yes');
}

/**
 * The job an answer names (an object with jobId/jobID), as msg.jobId and msg.jobStatus
 * for the next node; undefined when the answer names none.
 */
export function namedJob(body: unknown): { jobId: string; jobStatus?: unknown } | undefined {
  if (!isJob(body)) return undefined;
  const jobId = readJobId(body);
  if (!jobId) return undefined;
  return { jobId, jobStatus: readJobStatus(body) ?? readField(body, 'jobStatus', 'JobStatus') };
}

export function isFinished(status: JobStatus | undefined): boolean {
  return status === 'Completed' || status === 'Failed';
}

export function readPercent(job: Job): number | undefined {
  const percent = Number(readField(job, 'percentCompleted', 'PercentCompleted'));
  return Number.isFinite(percent) ? percent : undefined;
}

/** `Public`, `PUBLIC`, `People in Organization`… read as one of the three documented scopes. */
export function readScope(value: unknown): AccessScope | undefined {
  if (typeof value !== 'string') return undefined;
  const key = value.replace(/[\s_-]/g, '').toLowerCase();
  if (key === 'public') return 'Public';
  if (key === 'private') return 'Private';
  if (key === 'peopleinorganization') return 'PeopleInOrganization';
  return undefined;
}
