import { AimsError } from './errors';

/** The documented token endpoint, under the base URL (AIMS360-Jobs-API.md, "Token endpoint"). */
export const DEFAULT_TOKEN_PATH = '/authentication/v1/authentication/token';

/** The token URL a config uses: its own, or, left empty, the documented endpoint under the base URL. */
export function tokenUrlFor(baseUrl: string, tokenUrl: string | undefined): string {
  const own = String(tokenUrl ?? '').trim();
  return own || String(baseUrl ?? '').trim().replace(/\/+$/, '') + DEFAULT_TOKEN_PATH;
}

/** Where the bearer token comes from. */
export interface TokenSource {
  token(): Promise<string>;
  /** After a 401 with `failed`: drops it and says whether asking again can help. */
  invalidate(failed: string): boolean;
  /** Strings that must never be shown: the token and whatever produces it. */
  secrets(): string[];
}

export class StaticToken implements TokenSource {
  constructor(private readonly value: string) {
    if (!value) {
      throw AimsError.of('BAD_INPUT', 'aims360.errors.auth.noToken');
    }
  }

  token(): Promise<string> {
    return Promise.resolve(this.value);
  }

  invalidate(): boolean {
    return false;
  }

  secrets(): string[] {
    return [this.value];
  }
}

export interface PasswordGrantCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

/** Posts the form to the token URL and answers its parsed JSON body (errors already coded). */
export type TokenRequest = (form: Record<string, string>) => Promise<unknown>;

const MAX_REFRESH_AHEAD_MS = 60_000;

/**
 * OAuth2 password grant. The token is cached and fetched again shortly before it
 * expires; however many requests wait, one fetch is in flight at a time.
 */
export class PasswordGrant implements TokenSource {
  private cached?: { value: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credentials: PasswordGrantCredentials,
    private readonly requestToken: TokenRequest,
    private readonly now: () => number = Date.now,
  ) {
    const missing = (Object.keys(credentials) as (keyof PasswordGrantCredentials)[]).filter((k) => !credentials[k]);
    if (missing.length > 0) {
      throw AimsError.of('BAD_INPUT', 'aims360.errors.auth.oauthMissing', { fields: missing.join(', ') });
    }
  }

  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.value);
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(failed: string): boolean {
    if (this.cached?.value === failed) this.cached = undefined;
    return true;
  }

  secrets(): string[] {
    const list = [this.credentials.clientSecret, this.credentials.password];
    if (this.cached) list.push(this.cached.value);
    return list;
  }

  private async fetchToken(): Promise<string> {
    const body = await this.requestToken({
      grant_type: 'password',
      client_id: this.credentials.clientId,
      client_secret: this.credentials.clientSecret,
      username: this.credentials.username,
      password: this.credentials.password,
    });
    const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const value = answer.access_token;
    if (typeof value !== 'string' || value.length === 0) {
      throw AimsError.of('BAD_RESPONSE', 'aims360.errors.auth.noAccessToken');
    }
    const lifetimeMs = Number(answer.expires_in) * 1000;
    const usableMs = Number.isFinite(lifetimeMs) && lifetimeMs > 0 ? lifetimeMs : 3_600_000;
    const refreshAt = this.now() + usableMs - Math.min(MAX_REFRESH_AHEAD_MS, usableMs * 0.1);
    this.cached = { value, refreshAt };
    return value;
  }
}
