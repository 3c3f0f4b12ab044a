// The control API under /_sim/: the in-process methods over HTTP, for tests in other
// processes and for users building flows offline. Not logged, no auth: only for this
// machine (and names the operator allows), never for other sites' pages (ControlGuard).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomView } from './export-requests';
import type { FaultSpec } from './faults';
import { HttpError, parseJson, readBody, writeBody } from './http';
import type { Simulator, SimConfig } from './index';
import type { JobPatch, NewJob } from './jobs';
import type { RowEdits } from './tables';
import { decodeSafe, SpecError } from './util';

/** 127.0.0.0/8, ::1 and localhost (with its subdomains, which browsers keep on loopback too). */
const LOOPBACK = /^(localhost|[a-z0-9.-]+\.localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/;
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The host name of a Host header or an origin's host, lower case, without port or brackets. */
function hostName(value: string): string {
  const host = value.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') < 0 ? undefined : host.indexOf(']'));
  // One colon is a port; more is a bare IPv6 address.
  return host.split(':').length === 2 ? host.slice(0, host.indexOf(':')) : host;
}

/** A host name or address that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(hostName(host));
}

/**
 * Who may use the control API: requests addressed to loopback, the bound address or a name
 * the operator allowed, and not sent by a web page of another site. The control API has no
 * auth and GET /_sim/ shows the token: a page that rebinds its own name to this machine
 * (DNS rebinding) would otherwise read it, and any page could POST to it.
 */
export class ControlGuard {
  private readonly names: Set<string>;

  constructor(boundHost: string, allowedHosts: readonly string[] = []) {
    const bound = hostName(boundHost);
    this.names = new Set(allowedHosts.map(hostName).filter((h) => h !== ''));
    if (!WILDCARD.has(bound)) this.names.add(bound);
  }

  private allows(name: string): boolean {
    return LOOPBACK.test(name) || this.names.has(name);
  }

  /** Why a control request is refused, or undefined when it may go on. */
  refusal(req: IncomingMessage): string | undefined {
    const host = req.headers.host;
    if (host !== undefined && !this.allows(hostName(host))) {
      return `The control API answers only requests to localhost, 127.0.0.1, ::1 or the address it is bound to, not to "${host}": start the simulator with --allow-host ${hostName(host)} to allow that name.`;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let name = '';
      try {
        name = new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase();
      } catch {
        // "null" (a sandboxed page or a file) or no URL: from no site we know.
      }
      if (!this.allows(name)) return `The control API refuses requests from web pages of other sites (Origin ${origin}).`;
    }
    return undefined;
  }
}

/** Routes one control request to the simulator; info is what GET /_sim/ answers. */
export async function control(sim: Simulator, info: () => unknown, req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
  const reply = (status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status);
      res.end();
    } else {
      writeBody(res, (s, h) => res.writeHead(s, h), status, body);
    }
  };
  const json = async () => parseJson(await readBody(req), (message) => ({ error: message }));
  const notFound = () => reply(404, { error: `No control route ${method} ${path}` });
  /** A list read with GET, added to with POST (when it can be), emptied with DELETE. */
  const collection = async (list: () => unknown, add: ((spec: unknown) => unknown) | undefined, clear: () => void) => {
    if (method === 'GET') reply(200, list());
    else if (method === 'POST' && add) reply(201, add(await json()));
    else if (method === 'DELETE') {
      clear();
      reply(204);
    } else notFound();
  };
  const rel = path.replace(/^\/_sim\/?/, '').replace(/\/$/, '');
  const segs = rel === '' ? [] : rel.split('/').map(decodeSafe);
  try {
    const [a, b, c] = segs;
    if (segs.length <= 1 && (a === undefined || a === 'info') && method === 'GET') {
      reply(200, info());
    } else if (a === 'jobs' && b === undefined) {
      if (method === 'GET') reply(200, sim.listJobs());
      else if (method === 'POST') reply(201, sim.addJob((await json()) as NewJob));
      else notFound();
    } else if (a === 'jobs' && b !== undefined && c === undefined) {
      if (method === 'GET' || method === 'PATCH') {
        const job = method === 'GET' ? sim.getJob(b) : sim.setJob(b, (await json()) as JobPatch);
        if (job) reply(200, job);
        else reply(404, { error: `No job ${b}` });
      } else if (method === 'DELETE') {
        reply(sim.purgeJob(b) ? 204 : 404);
      } else notFound();
    } else if (a === 'log' && b === undefined) {
      await collection(() => sim.log, undefined, () => sim.clearLog());
    } else if (a === 'faults' && b === undefined) {
      await collection(() => sim.listFaults(), (spec) => sim.addFault(spec as FaultSpec), () => sim.clearFaults());
    } else if (a === 'custom-views' && b === undefined) {
      await collection(() => sim.listCustomViews(), (view) => sim.addCustomView(view as CustomView), () => sim.clearCustomViews());
    } else if (a === 'views' && b !== undefined && c !== undefined && segs[3] === 'rows' && segs.length === 4) {
      // /_sim/views/<source>/<view name>/rows: a view whose rows change between exports.
      if (method === 'GET') reply(200, sim.viewRows(b, c));
      else if (method === 'PATCH' || method === 'POST') reply(200, sim.editViewRows(b, c, (await json()) as RowEdits));
      else if (method === 'DELETE') {
        sim.resetViewRows(b, c);
        reply(204);
      } else notFound();
    } else if (a === 'tokens' && b === 'expire' && method === 'POST') {
      sim.expireTokens();
      reply(204);
    } else if (a === 'config' && b === undefined) {
      if (method === 'GET') reply(200, sim.getConfig());
      else if (method === 'POST' || method === 'PATCH') reply(200, sim.setConfig((await json()) as Partial<SimConfig>));
      else notFound();
    } else if (a === 'reset' && b === undefined && method === 'POST') {
      sim.reset();
      reply(204);
    } else {
      notFound();
    }
  } catch (err) {
    if (err instanceof SpecError) reply(400, { error: err.message });
    else if (err instanceof HttpError) reply(err.status, err.body);
    else throw err;
  }
}
