import path from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import { AimsError } from '../lib/errors';
import { Job, readJobId } from '../lib/job';
import { fetchJob } from '../lib/odata';
import {
  checkBeforeRequest,
  checkCompleted,
  chosenFileName,
  DocumentInfo,
  fetchDocument,
  inlineOutput,
  isPublishlink,
  jobDocuments,
  looksLikeJob,
  needsToken,
  readSettings,
} from '../lib/output';
import { busy, evaluate, handleInput, Msg, readJobIdInput, ServerDef } from '../shared/red';

interface FetchOutputDef extends ServerDef {
  jobId?: string;
  jobIdType?: string;
  format?: string;
  directory?: string;
  directoryType?: string;
  filename?: string;
  filenameType?: string;
  maxSizeMB?: string | number;
  documents?: string;
  rowsPerMessage?: string | number;
}

const PROGRESS_EVERY_MS = 500;
const MB = 1024 * 1024;

export = (RED: NodeAPI) => {
  function FetchOutputNode(this: Node, def: FetchOutputDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const running = new Set<Promise<unknown>>();
    const t = (key: string, opts?: Record<string, string | number>) => RED._(`aims360-fetch-output.${key}`, opts);

    /** The job from msg.payload, or fetched by id when the payload is not one (or the Job ID property is set). */
    async function jobOf(msg: Msg, client: Parameters<typeof fetchJob>[0], signal: AbortSignal): Promise<Job> {
      if ((def.jobId === undefined || def.jobId === '') && looksLikeJob(msg.payload)) return msg.payload;
      const id = await readJobIdInput(RED, node, def, msg);
      node.status(busy(t('status.fetchingJob')));
      return fetchJob(client, id, signal);
    }

    async function directoryOf(msg: Msg): Promise<string | undefined> {
      const value = def.directory ? await evaluate(RED, node, def.directory, def.directoryType || 'str', msg, 'the directory') : msg.directory;
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value !== 'string') throw new AimsError('BAD_INPUT', 'The directory must be text (a path).');
      const base = (RED.settings as { fileWorkingDirectory?: string }).fileWorkingDirectory || process.cwd();
      return path.resolve(base, value);
    }

    /** The file name set for the file format, or undefined for each document's own name. */
    async function fileNameOf(msg: Msg): Promise<string | undefined> {
      if (def.filename === undefined || def.filename === '') return undefined;
      const value = await evaluate(RED, node, def.filename, def.filenameType || 'str', msg, 'the file name');
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value !== 'string' && typeof value !== 'number') throw new AimsError('BAD_INPUT', 'The file name must be text.');
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
        node.status(busy(text));
      };
    }

    handleInput(RED, node, def, async ({ msg, send, client, signal }) => {
      const settings = readSettings(def);
      const job = await jobOf(msg, client, signal);
      checkCompleted(job);
      const jobId = readJobId(job);
      msg.jobId = jobId;
      if (!isPublishlink(job)) {
        msg.payload = inlineOutput(job);
        delete msg.document;
        send(msg);
        node.status({ fill: 'green', shape: 'dot', text: t('status.inline') });
        return;
      }
      const all = jobDocuments(job);
      const docs = settings.documents === 'all' ? all : all.slice(0, 1);
      const auth = needsToken(job);
      checkBeforeRequest(client, docs, auth, settings);
      const directory = settings.format === 'file' ? await directoryOf(msg) : undefined;
      const fileName = settings.format === 'file' ? await fileNameOf(msg) : undefined;
      const base = msg;
      for (const [i, doc] of docs.entries()) {
        const out = i === docs.length - 1 ? base : RED.util.cloneMessage(base);
        const withDoc = (info: DocumentInfo, payload: unknown) => ({ ...out, payload, document: { ...info }, jobId });
        node.status(busy(t('status.downloading', { name: doc.info.name })));
        const task = fetchDocument(client, doc, {
          ...settings,
          auth,
          directory,
          fileName: fileName === undefined ? undefined : chosenFileName(fileName, doc.info, i),
          signal,
          onProgress: progress(),
          // An incoming sequence is kept underneath ours, as the Split node does.
          onRows: (payload, parts) => send({ ...withDoc(doc.info, payload), parts: base.parts ? { ...parts, parts: base.parts } : parts }),
        });
        running.add(task);
        try {
          const { payload, info } = await task;
          if (settings.format !== 'stream-rows') send(withDoc(info, payload));
        } finally {
          running.delete(task);
        }
      }
      node.status({ fill: 'green', shape: 'dot', text: t('status.done', { count: docs.length }) });
    });

    // handleInput aborts the downloads on close; wait until their partial files are gone.
    node.on('close', (_removed: boolean, done: () => void) => {
      Promise.allSettled([...running]).then(() => done());
    });
  }

  RED.nodes.registerType('aims360-fetch-output', FetchOutputNode);
};
