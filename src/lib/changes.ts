/**
 * Changes only: which rows of a run are new or changed since the last run, and which keys
 * are gone. A run keeps, per key, a short hash of the row (not the row); the stored form is
 * two strings whatever the row count, so that a context store writes it as one value.
 * Pure logic: the node glue (job-output-sender.ts) loads and saves it through node-store.ts.
 */
import * as crypto from 'node:crypto';
import { AimsError } from './errors';

/** Bytes of a row's hash kept: 8 (11 base64 characters). A change is missed only if two versions of one row share it. */
export const HASH_BYTES = 8;

export interface ChangeCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/** A removed row's key: its key columns and their values. */
export type KeyObject = Record<string, unknown>;

/**
 * The fingerprints as stored: the key columns they were taken with, the keys (each the JSON
 * of its values; JSON never holds a raw line break) one a line, and the hashes in the same
 * order, HASH_BYTES each, base64.
 */
export interface StoredFingerprints {
  v: 1;
  columns: string[];
  keys: string;
  hashes: string;
}

/** The key columns of a setting: comma separated names, trimmed, each once. */
export function readKeyColumns(text: unknown): string[] {
  const names = String(text ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  return [...new Set(names)];
}

/** Fingerprints stored by this version with these very key columns; others (another key, none) start over. */
export function usableFingerprints(stored: unknown, columns: readonly string[]): StoredFingerprints | undefined {
  const s = stored as Partial<StoredFingerprints> | undefined;
  if (!s || s.v !== 1 || typeof s.keys !== 'string' || typeof s.hashes !== 'string' || !Array.isArray(s.columns)) return undefined;
  return s.columns.length === columns.length && s.columns.every((c, i) => c === columns[i]) ? (s as StoredFingerprints) : undefined;
}

// crypto.hash (Node 20.12+) skips a Hash object per row; older Node 20 releases fall back.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'binary') => string }).hash;
/** The md5 of a text, one character a byte: a Buffer per row would cost ten times as much (bench/changes.js). */
function md5(text: string): string {
  return oneShot ? oneShot('md5', text, 'binary') : crypto.createHash('md5').update(text).digest('binary');
}

const EMPTY = Buffer.alloc(0);

/** Key ids: the first 8 bytes of the md5 of a key's JSON, as two 32-bit halves. */
function keyId(key: string): [number, number] {
  const h = md5(key);
  const word = (at: number) => ((h.charCodeAt(at) << 24) | (h.charCodeAt(at + 1) << 16) | (h.charCodeAt(at + 2) << 8) | h.charCodeAt(at + 3)) >>> 0;
  return [word(0), word(4)];
}

/** Table slots for `capacity` entries: a power of two, at most half full. */
function tableSize(capacity: number): number {
  let size = 2;
  while (size < capacity * 2) size *= 2;
  return size;
}

/** New keys' texts are joined in chunks of this many, so that a run does not hold a string per key. */
const CHUNK = 4096;

/**
 * One run's diff against the previous fingerprints. `check` each row in order (it says
 * whether to hand the row on), then `finish` once every row was read: a run abandoned part
 * way is simply dropped, and the previous fingerprints stay as they were stored.
 *
 * Memory (bench/changes.js): no string or Map entry per row. Entries (the previous run's
 * first, in their stored order, then this run's new keys) live in typed arrays: a key id,
 * the row's hash, seen-this-run; an open-addressing table finds an entry by its key id. The
 * previous keys' text stays the one stored string (read back by offset); new keys' text is
 * kept in chunks.
 */
export class ChangeRun {
  readonly counts: ChangeCounts = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  private readonly previousKeys: string;
  /** Where each previous entry's line starts in previousKeys. */
  private lineStart: Uint32Array;
  private readonly previous: number;
  private count: number;
  private idHi: Uint32Array;
  private idLo: Uint32Array;
  private hashes: Buffer;
  private seen: Uint8Array;
  /** Entry + 1 by key id; 0 is free. At most half full. */
  private table: Int32Array = new Int32Array(0);
  private readonly chunks: string[] = [];
  private chunk: string[] = [];
  // The row's columns sorted, kept while rows come with the same columns (a document's rows do).
  private lastNames: string[] = [];
  private sortedNames: string[] = [];
  private header = '';

  constructor(readonly columns: readonly string[], stored?: unknown) {
    const usable = usableFingerprints(stored, columns);
    const keys = usable?.keys ?? '';
    const hashes = usable ? Buffer.from(usable.hashes, 'base64') : EMPTY;
    let lines = keys === '' ? 0 : 1;
    for (let at = keys.indexOf('\n'); at >= 0; at = keys.indexOf('\n', at + 1)) lines++;
    // Stored wrongly (cut, edited): start over rather than compare with the wrong rows.
    const whole = hashes.length === lines * HASH_BYTES;
    this.previous = whole ? lines : 0;
    this.previousKeys = whole ? keys : '';
    this.count = this.previous;
    const capacity = Math.max(1024, this.previous);
    this.idHi = new Uint32Array(capacity);
    this.idLo = new Uint32Array(capacity);
    this.hashes = Buffer.alloc(capacity * HASH_BYTES);
    this.seen = new Uint8Array(capacity);
    this.lineStart = new Uint32Array(this.previous);
    // Empty: the previous entries are placed as their ids are read.
    this.table = new Int32Array(tableSize(capacity));
    if (!whole) return;
    hashes.copy(this.hashes);
    let start = 0;
    for (let entry = 0; entry < lines; entry++) {
      const end = entry === lines - 1 ? keys.length : keys.indexOf('\n', start);
      this.lineStart[entry] = start;
      [this.idHi[entry], this.idLo[entry]] = keyId(keys.slice(start, end));
      this.place(entry);
      start = end + 1;
    }
  }

  /**
   * Whether the row is new or changed (to hand on). BAD_INPUT for a missing key column, an
   * empty key or a key an earlier row of the run had; `row` (from 1, header not counted) and
   * `name` (the document) say where.
   */
  check(row: Record<string, unknown>, rowNumber: number, name: string): boolean {
    const key = this.keyOf(row, rowNumber, name);
    const [hi, lo] = keyId(key);
    const hash = md5(this.canonical(row));
    let entry = this.find(hi, lo);
    if (entry >= 0 && this.seen[entry]) {
      throw AimsError.of('BAD_INPUT', 'aims360.errors.changes.duplicateKey', { row: rowNumber, name, key: this.describe(row) });
    }
    if (entry < 0) {
      entry = this.append(hi, lo, key);
      this.counts.added++;
    } else if (this.sameHash(entry, hash)) {
      this.seen[entry] = 1;
      this.counts.unchanged++;
      return false;
    } else {
      this.counts.changed++;
    }
    this.seen[entry] = 1;
    this.hashes.write(hash, entry * HASH_BYTES, HASH_BYTES, 'binary');
    return true;
  }

  /** Once every row was read: the keys gone since the last run, the counts, and what to store now. */
  finish(): { removed: KeyObject[]; counts: ChangeCounts; stored: StoredFingerprints } {
    const removed: KeyObject[] = [];
    // The kept previous keys as runs of whole lines (one piece when none is gone), then the new keys.
    const pieces: string[] = [];
    const hashes = Buffer.alloc(this.count * HASH_BYTES);
    let kept = 0;
    let from = -1;
    for (let entry = 0; entry <= this.previous; entry++) {
      if (entry < this.previous && this.seen[entry]) {
        if (from < 0) from = entry;
        this.hashes.copy(hashes, kept++ * HASH_BYTES, entry * HASH_BYTES, (entry + 1) * HASH_BYTES);
        continue;
      }
      if (from >= 0) pieces.push(this.previousKeys.slice(this.lineStart[from], this.lineEnd(entry - 1)));
      from = -1;
      if (entry === this.previous) break;
      const values = JSON.parse(this.previousKeys.slice(this.lineStart[entry], this.lineEnd(entry))) as unknown[];
      removed.push(Object.fromEntries(this.columns.map((c, i) => [c, values[i]])));
    }
    this.hashes.copy(hashes, kept * HASH_BYTES, this.previous * HASH_BYTES, this.count * HASH_BYTES);
    kept += this.count - this.previous;
    pieces.push(...this.chunks, ...(this.chunk.length > 0 ? [this.chunk.join('\n')] : []));
    this.counts.removed = removed.length;
    const keys = pieces.length === 1 ? pieces[0] : pieces.join('\n');
    const stored: StoredFingerprints = { v: 1, columns: [...this.columns], keys, hashes: hashes.subarray(0, kept * HASH_BYTES).toString('base64') };
    this.close();
    return { removed, counts: { ...this.counts }, stored };
  }

  /**
   * Lets go of the run's index: finished, or abandoned. Whatever still holds the run (a
   * kept-alive socket holds the last download's streams, and so the row filter) then holds
   * almost nothing.
   */
  close(): void {
    this.idHi = this.idLo = this.lineStart = new Uint32Array(0);
    this.hashes = EMPTY;
    this.seen = new Uint8Array(0);
    this.table = new Int32Array(0);
    this.chunks.length = 0;
    this.chunk = [];
    this.count = 0;
  }

  private lineEnd(entry: number): number {
    return entry + 1 < this.previous ? this.lineStart[entry + 1] - 1 : this.previousKeys.length;
  }

  private sameHash(entry: number, hash: string): boolean {
    const at = entry * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) if (this.hashes[at + i] !== hash.charCodeAt(i)) return false;
    return true;
  }

  /** The entry with this key id, or -1. */
  private find(hi: number, lo: number): number {
    const mask = this.table.length - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot] - 1;
      if (entry < 0 || (this.idHi[entry] === hi && this.idLo[entry] === lo)) return entry;
    }
  }

  private place(entry: number): void {
    const mask = this.table.length - 1;
    let slot = this.idLo[entry] & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = entry + 1;
  }

  /** A table for `capacity` entries with every entry so far placed. */
  private rehash(capacity: number): void {
    this.table = new Int32Array(tableSize(capacity));
    for (let entry = 0; entry < this.count; entry++) this.place(entry);
  }

  private append(hi: number, lo: number, key: string): number {
    if (this.count === this.seen.length) this.grow(this.count * 2);
    const entry = this.count++;
    this.idHi[entry] = hi;
    this.idLo[entry] = lo;
    this.place(entry);
    this.chunk.push(key);
    if (this.chunk.length === CHUNK) {
      this.chunks.push(this.chunk.join('\n'));
      this.chunk = [];
    }
    return entry;
  }

  private grow(capacity: number): void {
    const idHi = new Uint32Array(capacity);
    idHi.set(this.idHi);
    this.idHi = idHi;
    const idLo = new Uint32Array(capacity);
    idLo.set(this.idLo);
    this.idLo = idLo;
    const hashes = Buffer.alloc(capacity * HASH_BYTES);
    this.hashes.copy(hashes);
    this.hashes = hashes;
    const seen = new Uint8Array(capacity);
    seen.set(this.seen);
    this.seen = seen;
    this.rehash(capacity);
  }

  private keyOf(row: Record<string, unknown>, rowNumber: number, name: string): string {
    const values = this.columns.map((column) => {
      if (!(column in row)) throw AimsError.of('BAD_INPUT', 'aims360.errors.changes.missingColumn', { column, row: rowNumber, name });
      const value = row[column];
      if (value === undefined || value === null || String(value).trim() === '') {
        throw AimsError.of('BAD_INPUT', 'aims360.errors.changes.emptyKey', { column, row: rowNumber, name });
      }
      return value;
    });
    return JSON.stringify(values);
  }

  /** The key as a message shows it: `Order No = A-1, Size = M`. */
  private describe(row: Record<string, unknown>): string {
    return this.columns.map((c) => `${c} = ${String(row[c])}`).join(', ');
  }

  /** The row's columns (sorted, so a reordered view is no change) and values, as one text to hash. */
  private canonical(row: Record<string, unknown>): string {
    const names = Object.keys(row);
    if (names.length !== this.lastNames.length || names.some((n, i) => n !== this.lastNames[i])) {
      this.lastNames = names;
      this.sortedNames = [...names].sort();
      this.header = JSON.stringify(this.sortedNames);
    }
    return this.header + JSON.stringify(this.sortedNames.map((n) => row[n] ?? null));
  }
}
