import { randomBytes, randomUUID } from 'node:crypto';

/** yyyymmddhhmmssSSS in UTC, the suffix real AIMS360 ids carry. */
export function stamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/[-:TZ.]/g, '');
}

/** An id shaped like the real ones: uuid-yyyymmddhhmmssSSS. */
export function newId(ms = Date.now()): string {
  return `${randomUUID()}-${stamp(ms)}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[bytes[i] % ALNUM.length];
  return out;
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Decoded, or as it came when it is not valid percent-encoding. */
export function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class SpecError extends Error {}
