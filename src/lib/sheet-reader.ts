/**
 * Reads a workbook's first sheet in a worker thread (sheet-worker.ts), so that a large
 * workbook never stalls Node-RED: the rows come back in blocks, one per request.
 */
import { constants } from 'node:buffer';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { AimsError } from './errors';
import { text } from './messages';
import { MB } from './job-output';

export type SheetRequest = 'more';
export type SheetReply =
  | { type: 'ready'; threadId: number }
  | { type: 'rows'; rows: unknown[][]; threadId: number }
  | { type: 'end' }
  | { type: 'error'; message: string };

/** Rows per message from the worker: a few milliseconds of copying on the event loop. */
const BLOCK_ROWS = 500;

/** The reader holds each XML part of a workbook as one string: no part may be longer than a string can be. */
export const MAX_PART_BYTES = constants.MAX_STRING_LENGTH;

/** Worker threads reading sheets: started since load, running now, and the thread of the last one. */
export const sheetWorkers = { started: 0, running: 0, threadId: 0 };

/**
 * The unpacked sizes of a ZIP archive's entries, from its central directory (no entry is
 * inflated); empty when it is not a ZIP archive, which the reader then reports.
 */
export function zipEntrySizes(zip: Buffer): Map<string, number> {
  const sizes = new Map<string, number>();
  // The end record is in the last 22 bytes, or before a comment of up to 65,535 bytes.
  let end = zip.length - 22;
  const stop = Math.max(0, end - 0xffff);
  while (end >= stop && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < stop) return sizes;
  let at = zip.readUInt32LE(end + 16);
  for (let n = zip.readUInt16LE(end + 10); n > 0 && at + 46 <= zip.length && zip.readUInt32LE(at) === 0x02014b50; n--) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    // 0xffffffff: the size is in a ZIP64 field, so it is 4 GB or more.
    const size = zip.readUInt32LE(at + 24);
    sizes.set(name, size === 0xffffffff ? Infinity : size);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return sizes;
}

/** Refuses, before any parsing, a workbook whose sheet or shared strings unpack past what the reader can hold. */
export function checkWorkbookSize(zip: Buffer, name: string): void {
  for (const [entry, bytes] of zipEntrySizes(zip)) {
    if (bytes > MAX_PART_BYTES && /^xl\/(worksheets\/[^/]+|sharedStrings)\.xml$/i.test(entry)) {
      const texts = /sharedStrings/i.test(entry);
      const part = text(texts ? 'aims360.errors.sheet.texts' : 'aims360.errors.sheet.sheet');
      const size = Number.isFinite(bytes) ? text('aims360.errors.sheet.megabytes', { size: Math.ceil(bytes / MB) }) : text('aims360.errors.sheet.huge');
      throw AimsError.of('TOO_LARGE', 'aims360.errors.sheet.tooLarge', { name, part, size, limit: Math.floor(MAX_PART_BYTES / MB) });
    }
  }
}

function unreadable(name: string, why: string): AimsError {
  return AimsError.of('BAD_RESPONSE', 'aims360.errors.sheet.unreadable', { name, reason: why });
}

/** A worker and how it ended, seen by listeners that stay, so that nothing it emits goes unheard. */
class SheetThread {
  readonly worker: Worker;
  private ended?: Error;

  constructor(worker: Worker, private readonly name: string) {
    this.worker = worker;
    worker.on('error', (err: Error & { code?: string }) => {
      this.ended ??= err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? AimsError.of('TOO_LARGE', 'aims360.errors.sheet.outOfMemory', { name })
        : unreadable(name, err.message);
    });
    worker.once('exit', (code) => {
      sheetWorkers.running--;
      this.ended ??= unreadable(name, `its reader stopped with code ${code}`);
    });
  }

  /** The worker's next reply; an abort, a crash or an exit rejects. */
  reply(signal?: AbortSignal): Promise<SheetReply> {
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      const settle = (fn: () => void) => {
        worker.off('message', onMessage).off('exit', onEnd);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onMessage = (message: SheetReply) => settle(() => resolve(message));
      // Runs after the listeners of the constructor, which say why it ended.
      const onEnd = () => settle(() => reject(this.ended ?? unreadable(this.name, 'its reader stopped')));
      const onAbort = () => settle(() => reject(signal?.reason));
      if (signal?.aborted) return onAbort();
      if (this.ended) return onEnd();
      worker.on('message', onMessage).on('exit', onEnd);
      signal?.addEventListener('abort', onAbort);
    });
  }
}

/**
 * The rows of the workbook's first sheet (arrays of cells, as read-excel-file gives them),
 * a block at a time, read in a worker thread that ends with the last block, on an error,
 * on abort (a node's close), or when the caller stops reading. The buffer is handed over
 * to the worker when it owns its memory, so it must not be used after this call.
 */
export async function* sheetRowBlocks(zip: Buffer, name: string, signal?: AbortSignal): AsyncGenerator<unknown[][]> {
  checkWorkbookSize(zip, name);
  signal?.throwIfAborted();
  // A buffer that owns its memory is moved, not copied; a small one in Node's shared pool is copied.
  const owned = zip.byteOffset === 0 && zip.byteLength === zip.buffer.byteLength && zip.buffer instanceof ArrayBuffer;
  const buffer = owned ? (zip.buffer as ArrayBuffer) : zip.buffer.slice(zip.byteOffset, zip.byteOffset + zip.byteLength);
  const worker = new Worker(path.join(__dirname, 'sheet-worker.js'), { workerData: { buffer, block: BLOCK_ROWS }, transferList: [buffer as ArrayBuffer] });
  sheetWorkers.started++;
  sheetWorkers.running++;
  const thread = new SheetThread(worker, name);
  // Ends the worker at once on abort, even while the caller is busy with a block.
  const stop = () => void worker.terminate();
  signal?.addEventListener('abort', stop);
  try {
    const first = await thread.reply(signal);
    if (first.type === 'error') throw unreadable(name, first.message);
    if (first.type === 'ready') sheetWorkers.threadId = first.threadId;
    for (;;) {
      // A turn of the event loop between blocks: a port delivers up to 1,000 waiting messages in
      // one go, so a worker answering at once would otherwise hand over the whole sheet in one turn.
      await nextTurn();
      worker.postMessage('more' satisfies SheetRequest);
      const next = await thread.reply(signal);
      if (next.type === 'end') return;
      if (next.type === 'error') throw unreadable(name, next.message);
      if (next.type === 'rows') yield next.rows;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
}
