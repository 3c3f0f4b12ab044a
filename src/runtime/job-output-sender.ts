/** Hands on a completed job's output as fetch output does: fetch output and export data share it. */
import path from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import type { AimsClient } from '../lib/client';
import { ChangeRun, readKeyColumns, StoredFingerprints } from '../lib/changes';
import { AimsError, toAimsError } from '../lib/errors';
import { Job, readJobId } from '../lib/job';
import { checkBeforeRequest, fetchDocument, fileNamesOf, OutputSettings, readSettings } from '../lib/formats';
import { checkCompleted, DocumentInfo, inlineOutput, isPublishlink, jobDocuments, needsToken } from '../lib/job-output';
import { readBoolean } from '../lib/read-setting';
import { outputSettings } from '../lib/settings';
import { nodeStore } from './node-store';
import { evaluate, Msg, Send } from './red';
import { working } from './status';

export interface OutputDef {
  format?: string;
  directory?: string;
  directoryType?: string;
  filename?: string;
  filenameType?: string;
  maxSizeMB?: string | number;
  documents?: string;
  rowsPerMessage?: string | number;
  typedValues?: boolean | string;
  changes?: string;
  keyColumns?: string;
}

/** What was sent: documents (0 for in-line JSON), and rows when every payload was rows. */
export interface Handed {
  documents: number;
  rows?: number;
}

const PROGRESS_EVERY_MS = 500;
const OUTPUT = outputSettings();
const MB = 1024 * 1024;

/**
 * The job output sender of a node: `t(key, params)` translates its own status texts
 * (status.downloading, .percent, .bytes). Bad fixed settings (format, size, block) are
 * `problem` at once, and each message's BAD_INPUT.
 */
export function jobOutputSender(RED: NodeAPI, node: Node, def: OutputDef, t: (key: string, opts?: Record<string, string | number>) => string) {
  let settings: OutputSettings | undefined;
  let problem: AimsError | undefined;
  try {
    settings = readSettings(def);
  } catch (err) {
    problem = toAimsError(err);
  }

  // A node saved before the setting has false (its migration); one without it now, the default.
  const typedValues = readBoolean(def.typedValues, OUTPUT.typedValues.value === true);
  // Changes only (the node's deploy check refused it without a row format or key columns): its key columns, else off.
  const columns = def.changes === 'changed' ? readKeyColumns(def.keyColumns) : [];
  const keyColumns = columns.length > 0 ? columns : undefined;
  const fingerprints = nodeStore<StoredFingerprints>(node, 'aims360-changes');
  // Turned off, it forgets: turned on again later, it starts over rather than compare with an old run.
  if (!keyColumns) fingerprints.set(undefined).catch(() => undefined);
  // One run at a time compares and replaces the fingerprints.
  let lastRun: Promise<unknown> = Promise.resolve();

  function checked(): OutputSettings {
    if (!settings) throw problem;
    return settings;
  }

  async function directoryOf(msg: Msg): Promise<string | undefined> {
    const value = def.directory ? await evaluate(RED, node, def.directory, def.directoryType || 'str', msg, 'the directory') : msg.directory;
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw AimsError.of('BAD_INPUT', 'aims360.errors.output.directory');
    const base = (RED.settings as { fileWorkingDirectory?: string }).fileWorkingDirectory || process.cwd();
    return path.resolve(base, value);
  }

  /** The file name set for the file format, or undefined for each document's own name. */
  async function fileNameOf(msg: Msg): Promise<string | undefined> {
    if (def.filename === undefined || def.filename === '') return undefined;
    const value = await evaluate(RED, node, def.filename, def.filenameType || 'str', msg, 'the file name');
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw AimsError.of('BAD_INPUT', 'aims360.errors.output.fileName');
    return String(value);
  }

  /** Shows bytes or percent at most every PROGRESS_EVERY_MS. */
  function progress(): (bytes: number, total?: number) => void {
    let shown = 0;
    return (bytes, total) => {
      const now = Date.now();
      if (now - shown < PROGRESS_EVERY_MS) return;
      shown = now;
      const text = total ? t('status.percent', { percent: Math.floor((bytes / total) * 100) }) : t('status.bytes', { mb: (bytes / MB).toFixed(1) });
      node.status(working(text));
    };
  }

  /**
   * Sends the job's output: msg itself for the last message (copies before), with
   * msg.payload, msg.document, msg.jobId.
   */
  function send(job: Job, msg: Msg, sendMsg: Send, client: AimsClient, signal: AbortSignal): Promise<Handed> {
    if (!keyColumns) return sendOutput(job, msg, sendMsg, client, signal);
    const run = lastRun.then(async () => {
      const changes = new ChangeRun(keyColumns, await fingerprints.get());
      try {
        return await sendOutput(job, msg, sendMsg, client, signal, changes);
      } finally {
        changes.close();
      }
    });
    lastRun = run.catch(() => undefined);
    return run;
  }

  /**
   * Changes only, once every row of the run was read: the fingerprints replaced, and what the
   * last message of the run carries besides its rows.
   */
  async function finish(changes: ChangeRun): Promise<{ removed: Record<string, unknown>[]; changes: ChangeRun['counts'] }> {
    const { removed, counts, stored } = changes.finish();
    await fingerprints.set(stored);
    return { removed, changes: counts };
  }

  /** The rows of a document to hand on: all, or with changes only the new and changed ones. */
  function keptOf(changes: ChangeRun, rows: unknown, name: string): Record<string, unknown>[] {
    if (!Array.isArray(rows) || rows.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))) {
      throw AimsError.of('BAD_INPUT', 'aims360.errors.changes.notRows');
    }
    return (rows as Record<string, unknown>[]).filter((row, i) => changes.check(row, i + 1, name));
  }

  async function sendOutput(job: Job, msg: Msg, sendMsg: Send, client: AimsClient, signal: AbortSignal, changes?: ChangeRun): Promise<Handed> {
    const settings = checked();
    checkCompleted(job);
    const jobId = readJobId(job);
    msg.jobId = jobId;
    if (!isPublishlink(job)) {
      msg.payload = inlineOutput(job);
      delete msg.document;
      if (changes) Object.assign(msg, { payload: keptOf(changes, msg.payload, String(jobId)) }, await finish(changes));
      sendMsg(msg);
      return { documents: 0, rows: Array.isArray(msg.payload) ? msg.payload.length : undefined };
    }
    const all = jobDocuments(job);
    const docs = settings.documents === 'all' ? all : all.slice(0, 1);
    const auth = needsToken(job);
    checkBeforeRequest(client, docs, auth, settings);
    const directory = settings.format === 'file' ? await directoryOf(msg) : undefined;
    const fileNames = settings.format === 'file' ? fileNamesOf(docs.map((d) => d.info), await fileNameOf(msg)) : [];
    const base = msg;
    // Rows sent: arrays of rows, or stream-rows' count; undefined once anything else went.
    let rows: number | undefined = 0;
    const count = (payload: unknown) => {
      const n = Array.isArray(payload) ? payload.length : settings.format === 'stream-rows' && typeof payload === 'number' ? payload : undefined;
      rows = rows === undefined || n === undefined ? undefined : rows + n;
    };
    for (const [i, doc] of docs.entries()) {
      const last = i === docs.length - 1;
      const out = last ? base : RED.util.cloneMessage(base);
      // The documents of a run are one set of rows: its last message carries the removed keys and counts.
      const ending = async () => (changes && last ? finish(changes) : {});
      const withDoc = (info: DocumentInfo, payload: unknown) => ({ ...out, payload, document: { ...info }, jobId });
      node.status(working(t('status.downloading', { name: doc.info.name })));
      const { payload, info } = await fetchDocument(client, doc, {
        ...settings,
        auth,
        directory,
        fileName: fileNames[i],
        signal,
        typedValues,
        onProgress: progress(),
        // Each block a deep copy, as a node after this one may change it while later blocks are sent;
        // an incoming sequence is kept underneath ours, as the Split node does.
        onRows: async (payload, parts) => {
          const block = RED.util.cloneMessage(withDoc(doc.info, undefined));
          const extra = parts.count === undefined ? {} : await ending();
          sendMsg({ ...block, payload, parts: block.parts ? { ...parts, parts: block.parts } : parts, ...extra });
        },
        keep: changes && ((row, rowNumber) => changes.check(row, rowNumber, doc.info.name)),
      });
      if (settings.format !== 'stream-rows') {
        const rows = changes ? keptOf(changes, payload, doc.info.name) : payload;
        count(rows);
        sendMsg({ ...withDoc(info, rows), ...(await ending()) });
      } else {
        count(payload);
      }
    }
    return { documents: docs.length, rows };
  }

  return { problem, send };
}
