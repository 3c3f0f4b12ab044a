/**
 * Runs in a worker thread (see sheet-reader.ts): reads the first sheet of the workbook in
 * workerData with read-excel-file and hands its rows back a block per request, so that
 * Node-RED's event loop never runs the parser and holds one block at a time.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { SheetReply, SheetRequest } from './sheet-reader';

type ReadSheet = (input: Buffer) => Promise<unknown[][]>;

// read-excel-file parses a sheet in chunks it sizes by Date.now() (to spare a browser's main
// thread), calling itself once per chunk and copying every row read so far each time. On a busy
// machine the chunks shrink to a few hundred bytes: the time grows with the square of the rows
// and the recursion overflows the stack (200,000 rows failed here after 50 s). Nothing else runs
// in this thread, so its clock stands still while the sheet is parsed: the chunks only grow.
const clock = Date.now;
Date.now = () => 0;

async function read(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const { buffer, block } = workerData as { buffer: ArrayBuffer; block: number };
  let sheet: unknown[][];
  try {
    const { readSheet } = (await import('read-excel-file/node')) as unknown as { readSheet: ReadSheet };
    sheet = await readSheet(Buffer.from(buffer));
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies SheetReply);
    return;
  } finally {
    Date.now = clock;
  }
  let next = 0;
  port.on('message', (request: SheetRequest) => {
    if (request !== 'more') return;
    if (next >= sheet.length) {
      port.postMessage({ type: 'end' } satisfies SheetReply);
      return;
    }
    const rows = sheet.slice(next, next + block);
    // Rows sent are let go, so the thread's memory shrinks as the sheet goes out.
    sheet.fill(undefined as unknown as unknown[], next, next + rows.length);
    next += rows.length;
    port.postMessage({ type: 'rows', rows, threadId } satisfies SheetReply);
  });
  port.postMessage({ type: 'ready', threadId } satisfies SheetReply);
}

void read();
