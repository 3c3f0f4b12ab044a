/** Hands on a completed job's output as fetch output does: fetch output and export data share it. */
import path from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import type { AimsClient } from '../lib/client';
import { AimsError, toAimsError } from '../lib/errors';
import { Job, readJobId } from '../lib/job';
import { checkBeforeRequest, fetchDocument, fileNamesOf, OutputSettings, readSettings } from '../lib/formats';
import { checkCompleted, DocumentInfo, inlineOutput, isPublishlink, jobDocuments, needsToken } from '../lib/job-output';
import { readBoolean } from '../lib/read-setting';
import { outputSettings } from '../lib/settings';
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
}

/** What was sent: documents (0 for in-line JSON), and rows when every payload was rows. */
export interface Handed {
  documents: number;
  rows?: number;
}

const PROGRESS_EVERY_MS = 500;
const TYPED_VALUES = outputSettings().typedValues;
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
  const typedValues = readBoolean(def.typedValues, TYPED_VALUES.value === true);

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
  async function send(job: Job, msg: Msg, sendMsg: Send, client: AimsClient, signal: AbortSignal): Promise<Handed> {
    const settings = checked();
    checkCompleted(job);
    const jobId = readJobId(job);
    msg.jobId = jobId;
    if (!isPublishlink(job)) {
      msg.payload = inlineOutput(job);
      delete msg.document;
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
      const out = i === docs.length - 1 ? base : RED.util.cloneMessage(base);
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
        onRows: (payload, parts) => {
          const block = RED.util.cloneMessage(withDoc(doc.info, undefined));
          sendMsg({ ...block, payload, parts: block.parts ? { ...parts, parts: block.parts } : parts });
        },
      });
      count(payload);
      if (settings.format !== 'stream-rows') sendMsg(withDoc(info, payload));
    }
    return { documents: docs.length, rows };
  }

  return { problem, send };
}
