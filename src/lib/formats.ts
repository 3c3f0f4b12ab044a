/** Turning a downloaded document into what a format asks for: a buffer, text, JSON, rows, a file or blocks of rows. */
import { randomUUID } from 'node:crypto';
import { createWriteStream, Dirent, promises as fsp, WriteStream } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse as parseCsv } from 'csv-parse';
import type { AimsClient, Download } from './client';
import { AimsError } from './errors';
import { DocumentInfo, extension, JobDocument, MB } from './job-output';
import { BODY_BUFFER, contentLength, NotResumable } from './resume';
import { sheetRowBlocks } from './sheet-reader';
import { readNumberSetting, readSetting } from './read-setting';
import { OUTPUT_FORMATS, outputSettings } from './settings';
import { typedRows, typedRowStream } from './typed-values';

export const FORMATS = OUTPUT_FORMATS;
export type Format = (typeof FORMATS)[number];
export type DocKind = 'csv' | 'xlsx' | 'json' | 'other';

// Lets fs batch socket chunks into fewer, larger writes (writev) instead of one per 64 KB.
const WRITE_BUFFER = 4 * MB;

export interface OutputSettings {
  format: Format;
  maxBytes: number;
  documents: 'first' | 'all';
  rowsPerMessage: number;
}

/** The output settings' defaults and rules: the spec's, which the editor and the deploy check use. */
const OUTPUT = { settings: outputSettings() };

/** The node's settings as saved by the editor (strings or numbers); empty means the default. */
export function readSettings(def: { format?: unknown; maxSizeMB?: unknown; documents?: unknown; rowsPerMessage?: unknown }): OutputSettings {
  const format = readSetting(OUTPUT.settings.format, def.format) as Format;
  const documents = readSetting(OUTPUT.settings.documents, def.documents) as OutputSettings['documents'];
  return {
    format,
    maxBytes: readNumberSetting(def.maxSizeMB, OUTPUT.settings.maxSizeMB) * MB,
    documents,
    rowsPerMessage: readNumberSetting(def.rowsPerMessage, OUTPUT.settings.rowsPerMessage),
  };
}

export function docKind(info: DocumentInfo, contentType?: string): DocKind {
  const type = info.type || extension(info.name);
  if (type === 'csv') return 'csv';
  if (type === 'xlsx') return 'xlsx';
  if (type === 'json') return 'json';
  if (/json/i.test(contentType ?? '')) return 'json';
  if (/csv/i.test(contentType ?? '')) return 'csv';
  if (/spreadsheetml/i.test(contentType ?? '')) return 'xlsx';
  return 'other';
}

/** Whether a format holds the document in memory (so maxSizeMB applies). */
export function holdsInMemory(format: Format, kind: DocKind): boolean {
  return format !== 'file' && !(format === 'stream-rows' && kind === 'csv');
}

function tooLarge(name: string, bytes: number, maxBytes: number): AimsError {
  return AimsError.of('TOO_LARGE', 'aims360.errors.formats.tooLarge', { name, size: (bytes / MB).toFixed(1), max: +(maxBytes / MB).toFixed(3) });
}

/**
 * Everything that can fail without a request, for every document about to be
 * fetched: link scheme, expiry, trusted host, announced size.
 */
export function checkBeforeRequest(client: AimsClient, docs: JobDocument[], auth: boolean, settings: OutputSettings, now = Date.now()): void {
  for (const { info, link } of docs) {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw AimsError.of('BAD_RESPONSE', 'aims360.errors.formats.linkNotUrl', { name: info.name });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw AimsError.of('BAD_RESPONSE', 'aims360.errors.formats.linkNotHttp', { name: info.name, protocol: url.protocol });
    }
    const expires = info.expiryDate ? Date.parse(info.expiryDate) : NaN;
    if (Number.isFinite(expires) && expires <= now) {
      throw AimsError.of('LINK_EXPIRED', 'aims360.errors.formats.linkExpired', { name: info.name, expiry: String(info.expiryDate) });
    }
    if (auth && !client.isTrustedHost(url)) {
      throw AimsError.of('UNTRUSTED_HOST', 'aims360.errors.formats.untrustedHost', { name: info.name, origin: url.origin });
    }
    if (holdsInMemory(settings.format, docKind(info)) && info.sizeBytes !== undefined && info.sizeBytes > settings.maxBytes) {
      throw tooLarge(info.name, info.sizeBytes, settings.maxBytes);
    }
  }
}

/** Counts bytes as they pass, reports them, and stops at a limit. */
function meter(onBytes: (bytes: number) => void, limit: number, name: string): Transform {
  let bytes = 0;
  return new Transform({
    highWaterMark: BODY_BUFFER,
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > limit) return callback(tooLarge(name, bytes, limit));
      onBytes(bytes);
      callback(null, chunk);
    },
  });
}

/** Filesystem and parser failures become AimsErrors; ours pass through. */
function wrap(err: unknown, failure: (reason: string) => AimsError): AimsError {
  if (err instanceof AimsError) return err;
  const e = err as { code?: string; message?: string };
  return failure(e.code ?? e.message ?? String(err));
}

/** What a temporary name adds to the final one: `.` before it, `.<uuid>.part` after it (saveFile). */
const TEMP_NAME_EXTRA = '.'.length + '.'.length + randomUUID().length + '.part'.length;
/** The longest file name written, in UTF-8 bytes: file systems take 255, and its temporary name must fit too. */
const MAX_FILE_NAME_BYTES = 255 - TEMP_NAME_EXTRA;
/** The temporary names saveFile makes, so that leftovers of a crash are known from a user's files. */
const TEMP_NAME = /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.part$/;
/** A temporary file untouched this long is a crash's leftover, not a download in progress. */
const STALE_PART_MS = 60 * 60 * 1000;

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** The longest start of text within maxBytes of UTF-8, never cutting a character (or a surrogate pair) in half. */
function cutToBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += byteLength(char);
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/** A name's stem and extension; a dot far from the end (over 10 characters after it) is part of the name. */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 && name.length - dot <= 11 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** stem + suffix + ext within MAX_FILE_NAME_BYTES, the stem cut to make room. */
function fitName(stem: string, suffix: string, ext: string): string {
  const cut = cutToBytes(stem, MAX_FILE_NAME_BYTES - byteLength(suffix) - byteLength(ext));
  return (cut.length < stem.length ? cut.replace(/[\s.]+$/, '') : cut) + suffix + ext;
}

/** A document name as a file name: no separators, no `..`, no control characters, its extension kept when cut. */
export function safeFileName(name: string, fallback = 'document'): string {
  const cleaned = name
    .replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '')
    .replace(/[/\\<>:"|?*]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (!cleaned) return fallback;
  const [stem, ext] = splitExtension(cleaned);
  return fitName(stem, '', ext) || fallback;
}

/**
 * The name a user chose for the file format, made safe (falling back to the document's
 * own name when nothing is left of it). From the second document of a message on it is
 * numbered before the extension (report.csv, report-2.csv, …) so that documents "all"
 * under one chosen name never overwrite each other.
 */
export function chosenFileName(chosen: string, info: DocumentInfo, index: number): string {
  const safe = safeFileName(chosen, safeFileName(info.name));
  if (index === 0) return safe;
  const [stem, ext] = splitExtension(safe);
  return fitName(stem, `-${index + 1}`, ext);
}

/** Names that are one file on a case-insensitive or normalising file system. */
const sameFileKey = (name: string) => name.normalize('NFC').toLowerCase();

/**
 * The file names of one message's documents: the chosen name numbered as chosenFileName
 * does, or each document's own name made safe; a name already taken in the message is
 * numbered the same way (report.csv twice, or a/b.csv and a_b.csv, give report-2.csv, a_b-2.csv).
 */
export function fileNamesOf(infos: DocumentInfo[], chosen?: string): string[] {
  const taken = new Set<string>();
  return infos.map((info, i) => {
    let name = chosen === undefined ? safeFileName(info.name) : chosenFileName(chosen, info, i);
    for (let index = Math.max(i, 1); taken.has(sameFileKey(name)); index++) name = chosenFileName(chosen ?? info.name, info, index);
    taken.add(sameFileKey(name));
    return name;
  });
}

async function readAll(body: Readable, counter: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(body, counter, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

async function makeDirectory(directory: string | undefined): Promise<void> {
  if (!directory) throw AimsError.of('BAD_INPUT', 'aims360.errors.formats.noDirectory');
  try {
    await fsp.mkdir(directory, { recursive: true });
  } catch (err) {
    throw wrap(err, (reason) => AimsError.of('BAD_INPUT', 'aims360.errors.formats.mkdir', { directory, reason }));
  }
}

/** Temporary files this process is writing, never swept. */
const writing = new Set<string>();
/** Directories swept since start: a crash's leftovers are there once, before the first write. */
const swept = new Set<string>();

/**
 * Removes the temporary files a crashed download left in `directory`: only names saveFile
 * makes, only plain files (no symlink is followed), only ones untouched for STALE_PART_MS and
 * not being written here. Once per directory; a failure leaves things as they were.
 */
export async function sweepStaleParts(directory: string, now = Date.now()): Promise<void> {
  if (swept.has(directory)) return;
  swept.add(directory);
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(directory, { withFileTypes: true });
  } catch {
    return;
  }
  await Promise.all(entries.filter((e) => e.isFile() && TEMP_NAME.test(e.name)).map(async (e) => {
    const file = path.join(directory, e.name);
    try {
      if (!writing.has(file) && now - (await fsp.lstat(file)).mtimeMs > STALE_PART_MS) await fsp.rm(file);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }));
}

/**
 * Streams the body into `directory` under a temporary name, opened with 'wx' so it
 * can never follow a symlink planted there, and renames it once whole. Any failure
 * or abort removes the temporary file.
 */
async function saveFile(body: Readable, counter: Transform, directory: string, name: string): Promise<string> {
  const final = path.join(directory, safeFileName(name));
  const temp = path.join(directory, `.${path.basename(final)}.${randomUUID()}.part`);
  writing.add(temp);
  const file = createWriteStream(temp, { flags: 'wx', mode: 0o644, highWaterMark: WRITE_BUFFER });
  try {
    await pipeline(body, counter, file);
    await fsp.rename(temp, final);
  } catch (err) {
    body.destroy();
    await removeTemp(file, temp);
    throw wrap(err, (reason) => AimsError.of('BAD_INPUT', 'aims360.errors.formats.write', { file: final, reason }));
  } finally {
    writing.delete(temp);
  }
  return final;
}

/** Removes a failed download's temporary file; a failure here must not hide the download's own error. */
async function removeTemp(file: WriteStream, temp: string): Promise<void> {
  try {
    // pipeline rejects before a file still opening is created and closed: removed earlier, it would stay.
    if (!file.closed) await new Promise<void>((closed) => file.once('close', () => closed()));
    await fsp.rm(temp, { force: true });
  } catch {
    // Left for sweepStaleParts.
  }
}

/**
 * The first sheet as row objects keyed by the header row (columnN for a blank header cell),
 * empty rows left out, a block at a time as the worker thread reads them (sheet-reader).
 */
async function* xlsxRowBlocks(buffer: Buffer, name: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>[]> {
  let keys: string[] | undefined;
  for await (const block of sheetRowBlocks(buffer, name, signal)) {
    let rows = block;
    if (!keys) {
      const [header = [], ...rest] = block;
      keys = header.map((cell, i) => (cell === null || cell === undefined || cell === '' ? `column${i + 1}` : String(cell)));
      rows = rest;
    }
    const columns = keys;
    yield rows
      .filter((row) => row.some((cell) => cell !== null && cell !== undefined && cell !== ''))
      .map((row) => Object.fromEntries(columns.map((key, i) => [key, row[i] ?? null])));
  }
}

async function* xlsxRowStream(buffer: Buffer, name: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  for await (const rows of xlsxRowBlocks(buffer, name, signal)) {
    for (const row of rows) {
      // No block after a node's close, though the rows of this one are at hand.
      signal?.throwIfAborted();
      yield row;
    }
  }
}

async function xlsxRows(buffer: Buffer, name: string, signal?: AbortSignal): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const block of xlsxRowBlocks(buffer, name, signal)) for (const row of block) rows.push(row);
  return rows;
}

function csvParser(maxBytes: number) {
  return parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: Math.floor(maxBytes) });
}

async function csvRows(buffer: Buffer, name: string, maxBytes: number): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  try {
    await pipeline(Readable.from([buffer]), csvParser(maxBytes), async (source: AsyncIterable<Record<string, unknown>>) => {
      for await (const row of source) rows.push(row);
    });
  } catch (err) {
    throw wrap(err, (reason) => AimsError.of('BAD_RESPONSE', 'aims360.errors.formats.badCsv', { name, reason }));
  }
  return rows;
}

function parseJson(buffer: Buffer, name: string): unknown {
  try {
    return JSON.parse(buffer.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch {
    throw AimsError.of('BAD_RESPONSE', 'aims360.errors.formats.badJson', { name });
  }
}

async function decode(buffer: Buffer, format: Format, kind: DocKind, info: DocumentInfo, maxBytes: number, signal?: AbortSignal): Promise<unknown> {
  switch (format) {
    case 'buffer':
      return buffer;
    case 'utf8':
      return buffer.toString('utf8');
    case 'json':
      return parseJson(buffer, info.name);
    case 'rows':
      return rowsOf(buffer, kind, info, maxBytes, signal);
    default:
      if (kind === 'json') return parseJson(buffer, info.name);
      if (kind === 'csv' || kind === 'xlsx') return rowsOf(buffer, kind, info, maxBytes, signal);
      return buffer;
  }
}

function rowsOf(buffer: Buffer, kind: DocKind, info: DocumentInfo, maxBytes: number, signal?: AbortSignal): Promise<Record<string, unknown>[]> {
  if (kind === 'csv') return csvRows(buffer, info.name, maxBytes);
  if (kind === 'xlsx') return xlsxRows(buffer, info.name, signal);
  throw notRows(info);
}

function notRows(info: DocumentInfo): AimsError {
  return info.type
    ? AimsError.of('BAD_INPUT', 'aims360.errors.formats.notRows', { name: info.name, type: info.type })
    : AimsError.of('BAD_INPUT', 'aims360.errors.formats.notRowsUnknown', { name: info.name });
}

/** What a Join node in automatic mode needs to rebuild the array of rows. */
export interface RowParts {
  id: string;
  index: number;
  /** Only on the last block, when the total is known. */
  count?: number;
  type: 'array';
  /** Rows per block; left out for one row per message, as the Split node does. */
  len?: number;
}

/** Takes a block; the last one (parts.count set) may return a promise, awaited before the fetch ends. */
export type RowSink = (payload: unknown, parts: RowParts) => void | Promise<void>;

/**
 * Hands rows on in blocks. A block is held until the next row shows it was not the
 * last, so the last one carries parts.count. After each block the event loop turns
 * once, so Node-RED delivers it before more of the document is read.
 */
async function emitBlocks(rows: AsyncIterable<unknown> | Iterable<unknown>, size: number, sink: RowSink): Promise<number> {
  const id = randomUUID();
  const parts = (index: number, count?: number): RowParts => {
    const p: RowParts = { id, index, type: 'array' };
    if (size > 1) p.len = size;
    if (count !== undefined) p.count = count;
    return p;
  };
  const payload = (block: unknown[]) => (size === 1 && block.length === 1 ? block[0] : block);
  let index = 0;
  let total = 0;
  let block: unknown[] = [];
  let full: unknown[] | undefined;
  for await (const row of rows) {
    if (full) {
      await sink(payload(full), parts(index++));
      full = undefined;
      await nextTurn();
    }
    block.push(row);
    total++;
    if (block.length === size) {
      full = block;
      block = [];
    }
  }
  await sink(payload(full ?? block), parts(index, index + 1));
  return total;
}

/** The rows `keep` says to hand on (changes only), each with its number in the document from 1. */
async function* keptRows(rows: AsyncIterable<unknown>, keep?: RowFilter): AsyncGenerator<unknown> {
  let number = 0;
  for await (const row of rows) if (!keep || keep(row as Record<string, unknown>, ++number)) yield row;
}

/** Whether to hand a row on; `rowNumber` counts the document's rows from 1. */
export type RowFilter = (row: Record<string, unknown>, rowNumber: number) => boolean;

export interface FetchOptions extends OutputSettings {
  auth: boolean;
  /** For the file format: the directory to write into. */
  directory?: string;
  /** For the file format: the file's name, made safe here; default the document's name. */
  fileName?: string;
  signal?: AbortSignal;
  /** Bytes read so far, and the total when the server said it. */
  onProgress?: (bytes: number, total?: number) => void;
  /** For stream-rows: each block of rows. */
  onRows?: RowSink;
  /** For stream-rows: which rows go into the blocks (changes only); it may throw to end the fetch. */
  keep?: RowFilter;
  /** CSV cells that are exactly a number or boolean handed on as one (typed-values.ts). */
  typedValues?: boolean;
}

export interface Fetched {
  /** The decoded document; for stream-rows, the number of rows sent. */
  payload: unknown;
  info: DocumentInfo;
}

/**
 * Downloads one document and turns it into what the format asks for. A body cut off
 * where the server cannot resume it is downloaded once more from the start, unless
 * rows of it went out already.
 */
export async function fetchDocument(client: AimsClient, doc: JobDocument, options: FetchOptions): Promise<Fetched> {
  try {
    return await fetchOnce(client, doc, options);
  } catch (err) {
    if (!(err instanceof NotResumable) || options.format === 'stream-rows' || options.signal?.aborted) throw err;
    return fetchOnce(client, doc, options);
  }
}

async function fetchOnce(client: AimsClient, doc: JobDocument, options: FetchOptions): Promise<Fetched> {
  const info = { ...doc.info };
  if (options.format === 'file') {
    await makeDirectory(options.directory);
    await sweepStaleParts(options.directory as string);
  }
  const download: Download = await client.download(doc.link, { auth: options.auth, signal: options.signal });
  const contentType = String(download.headers['content-type'] ?? '');
  const kind = docKind(info, contentType);
  if (!info.type) info.type = kind === 'other' ? '' : kind;
  const total = contentLength(download.headers);
  const format = options.format;
  const inMemory = holdsInMemory(format, kind);
  if (inMemory && total !== undefined && total > options.maxBytes) {
    download.body.destroy();
    throw tooLarge(info.name, total, options.maxBytes);
  }
  if ((format === 'rows' || format === 'stream-rows') && kind !== 'csv' && kind !== 'xlsx') {
    download.body.destroy();
    throw notRows(info);
  }
  let bytes = 0;
  const counter = meter((n) => {
    bytes = n;
    options.onProgress?.(n, total);
  }, inMemory ? options.maxBytes : Infinity, info.name);

  if (format === 'file') {
    const file = await saveFile(download.body, counter, options.directory as string, options.fileName ?? info.name);
    info.sizeBytes = bytes;
    return { payload: file, info };
  }
  const sink = options.onRows;
  if (format === 'stream-rows' && kind === 'csv' && sink) {
    let count = 0;
    try {
      await pipeline(download.body, counter, csvParser(options.maxBytes), async (rows: AsyncIterable<unknown>) => {
        const cells = options.typedValues ? typedRowStream(rows as AsyncIterable<Record<string, unknown>>) : rows;
        count = await emitBlocks(keptRows(cells, options.keep), options.rowsPerMessage, sink);
      });
    } catch (err) {
      throw wrap(err, (reason) => AimsError.of('BAD_RESPONSE', 'aims360.errors.formats.badCsv', { name: info.name, reason }));
    }
    // The bytes read, as for every other format (without Content-Length it held the size the job announced).
    info.sizeBytes = bytes;
    return { payload: count, info };
  }
  const buffer = await readAll(download.body, counter);
  info.sizeBytes = buffer.length;
  if (format === 'stream-rows' && sink) {
    // CSV streamed above; an XLSX workbook is whole before its sheet can be read, its rows then come a block at a time.
    const rows = keptRows(xlsxRowStream(buffer, info.name, options.signal), options.keep);
    return { payload: await emitBlocks(rows, options.rowsPerMessage, sink), info };
  }
  const payload = await decode(buffer, format, kind, info, options.maxBytes, options.signal);
  // CSV rows only: XLSX cells stay as the workbook types them.
  const typed = options.typedValues && kind === 'csv' && (format === 'rows' || format === 'auto');
  return { payload: typed ? typedRows(payload as Record<string, unknown>[]) : payload, info };
}
