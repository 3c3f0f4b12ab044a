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

/**
 * One run's diff against the previous fingerprints. `check` each row in order (it says
 * whether to hand the row on), then `finish` once every row was read: a run abandoned part
 * way is simply dropped, and the previous fingerprints stay as they were stored.
 */
export class ChangeRun {
  /** Key → slot; the previous run's keys first, in their stored order. */
  private readonly index = new Map<string, number>();
  private hashes: Buffer;
  private seen: Uint8Array;
  private count: number;
  readonly counts: ChangeCounts = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  // The row's columns sorted, kept while rows come with the same columns (a document's rows do).
  private lastNames: string[] = [];
  private sortedNames: string[] = [];
  private header = '';

  constructor(readonly columns: readonly string[], stored?: unknown) {
    const usable = usableFingerprints(stored, columns);
    const keys = usable && usable.keys !== '' ? usable.keys.split('\n') : [];
    const hashes = usable ? Buffer.from(usable.hashes, 'base64') : EMPTY;
    // Stored wrongly (cut, edited): start over rather than compare with the wrong rows.
    const whole = hashes.length === keys.length * HASH_BYTES;
    this.count = whole ? keys.length : 0;
    this.hashes = Buffer.alloc(Math.max(1024, this.count) * HASH_BYTES);
    if (whole) {
      hashes.copy(this.hashes);
      keys.forEach((key, slot) => this.index.set(key, slot));
    }
    this.seen = new Uint8Array(this.hashes.length / HASH_BYTES);
  }

  /**
   * Whether the row is new or changed (to hand on). BAD_INPUT for a missing key column, an
   * empty key or a key an earlier row of the run had; `row` (from 1, header not counted) and
   * `name` (the document) say where.
   */
  check(row: Record<string, unknown>, rowNumber: number, name: string): boolean {
    const key = this.keyOf(row, rowNumber, name);
    const hash = md5(this.canonical(row));
    let slot = this.index.get(key);
    if (slot !== undefined && this.seen[slot]) {
      throw AimsError.of('BAD_INPUT', 'aims360.errors.changes.duplicateKey', { row: rowNumber, name, key: this.describe(row) });
    }
    if (slot === undefined) {
      slot = this.append(key);
      this.counts.added++;
    } else if (this.sameHash(slot, hash)) {
      this.seen[slot] = 1;
      this.counts.unchanged++;
      return false;
    } else {
      this.counts.changed++;
    }
    this.seen[slot] = 1;
    this.hashes.write(hash, slot * HASH_BYTES, HASH_BYTES, 'latin1');
    return true;
  }

  private sameHash(slot: number, hash: string): boolean {
    const at = slot * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) if (this.hashes[at + i] !== hash.charCodeAt(i)) return false;
    return true;
  }

  /** Once every row was read: the keys gone since the last run, the counts, and what to store now. */
  finish(): { removed: KeyObject[]; counts: ChangeCounts; stored: StoredFingerprints } {
    const removed: KeyObject[] = [];
    const keys: string[] = [];
    const hashes = Buffer.alloc(this.count * HASH_BYTES);
    let kept = 0;
    for (const [key, slot] of this.index) {
      if (!this.seen[slot]) {
        const values = JSON.parse(key) as unknown[];
        removed.push(Object.fromEntries(this.columns.map((c, i) => [c, values[i]])));
        continue;
      }
      keys.push(key);
      this.hashes.copy(hashes, kept++ * HASH_BYTES, slot * HASH_BYTES, (slot + 1) * HASH_BYTES);
    }
    this.counts.removed = removed.length;
    const stored: StoredFingerprints = { v: 1, columns: [...this.columns], keys: keys.join('\n'), hashes: hashes.subarray(0, kept * HASH_BYTES).toString('base64') };
    this.close();
    return { removed, counts: { ...this.counts }, stored };
  }

  /**
   * Lets go of the run's index: finished, or abandoned. Whatever still holds the run (a
   * kept-alive socket holds the last download's streams, and so the row filter) then holds
   * almost nothing.
   */
  close(): void {
    this.index.clear();
    this.hashes = EMPTY;
    this.seen = new Uint8Array(0);
    this.count = 0;
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

  private append(key: string): number {
    if (this.count === this.seen.length) {
      const hashes = Buffer.alloc(this.hashes.length * 2);
      this.hashes.copy(hashes);
      this.hashes = hashes;
      const seen = new Uint8Array(this.seen.length * 2);
      seen.set(this.seen);
      this.seen = seen;
    }
    const slot = this.count++;
    this.index.set(key, slot);
    return slot;
  }
}
