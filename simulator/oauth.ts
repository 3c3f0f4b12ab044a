// OAuth as AIMS360 does it: the password grant issues bearer tokens, which the API
// accepts beside the simulator's static token until they expire.
import type { IncomingMessage } from 'node:http';
import { DENIED, HttpError, readBody, send, type Ctx } from './http';
import { decodeSafe, randomToken } from './util';

export interface OAuthOptions {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  tokenTtlSeconds?: number;
}

/** The password grant: at the documented endpoint, and at the simulator's older /connect/token. */
export const TOKEN_PATH = /^\/(?:authentication\/v1\/authentication|connect)\/token\/?$/i;

export class OAuth {
  readonly options: Required<OAuthOptions>;
  private readonly tokens = new Map<string, { expiresAt: number; username: string }>();

  /** staticToken is read on every check, so a changed config takes effect at once. */
  constructor(
    options: OAuthOptions | undefined,
    private readonly staticToken: () => string,
  ) {
    this.options = {
      clientId: 'sim-client',
      clientSecret: 'sim-secret',
      username: 'operator@example.com',
      password: 'sim-password',
      tokenTtlSeconds: 3600,
      ...options,
    };
  }

  /** The user behind a valid bearer token, or undefined. */
  bearer(req: IncomingMessage): { username: string } | undefined {
    const auth = req.headers.authorization;
    const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    if (!m) return undefined;
    if (m[1] === this.staticToken()) return { username: this.options.username };
    const issued = this.tokens.get(m[1]);
    if (!issued) return undefined;
    if (issued.expiresAt <= Date.now()) {
      this.tokens.delete(m[1]);
      return undefined;
    }
    return { username: issued.username };
  }

  /** The user behind the bearer token, or a 401. */
  requireAuth(req: IncomingMessage): { username: string } {
    const who = this.bearer(req);
    if (!who) throw new HttpError(401, DENIED);
    return who;
  }

  /** Every token issued so far is refused from now on. */
  expire(): void {
    this.tokens.clear();
  }

  /** Answers a token request: form or JSON fields, the client's id and secret in them or as Basic auth. */
  async issue(ctx: Ctx): Promise<void> {
    const text = await readBody(ctx.req);
    const type = String(ctx.req.headers['content-type'] ?? '');
    let fields: Record<string, string> = {};
    if (type.includes('json')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object') fields = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      } catch {
        throw new HttpError(400, { error: 'invalid_request' });
      }
    } else {
      fields = Object.fromEntries(new URLSearchParams(text));
    }
    let clientId = fields.client_id;
    let clientSecret = fields.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(String(ctx.req.headers.authorization ?? ''));
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        clientId = decodeSafe(decoded.slice(0, colon));
        clientSecret = decodeSafe(decoded.slice(colon + 1));
      }
    }
    const o = this.options;
    if (clientId !== o.clientId || clientSecret !== o.clientSecret) {
      send(ctx, 401, { error: 'invalid_client' });
      return;
    }
    if (fields.grant_type !== 'password') {
      send(ctx, 400, { error: 'unsupported_grant_type' });
      return;
    }
    if (fields.username !== o.username || fields.password !== o.password) {
      send(ctx, 400, { error: 'invalid_grant', error_description: 'The user name or password is incorrect.' });
      return;
    }
    const token = randomToken(64);
    this.tokens.set(token, { expiresAt: Date.now() + o.tokenTtlSeconds * 1000, username: fields.username });
    send(ctx, 200, { access_token: token, token_type: 'Bearer', expires_in: o.tokenTtlSeconds }, { 'Cache-Control': 'no-store' });
  }
}
