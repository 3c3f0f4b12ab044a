// The control API under /_sim/: the in-process methods over HTTP, for tests in other
// processes and for users building flows offline. Not logged, no auth.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomView } from './exports';
import type { FaultSpec } from './faults';
import { HttpError, parseJson, readBody, writeBody } from './http';
import type { Simulator, SimConfig } from './index';
import type { JobPatch, JobSpec } from './jobs';
import { decodeSafe, SpecError } from './util';

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
      else if (method === 'POST') reply(201, sim.addJob((await json()) as JobSpec));
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
