import type { Node, NodeAPI } from 'node-red';
import { BODY_METHODS, callApi, readMethod, readPath, safeHeaders } from '../../src/lib/request';
import { readBoolean } from '../../src/lib/read-setting';
import { evaluate, handleInput, ServerDef, setJobFields, readSpec } from '../../src/runtime/red';
import { answered, working } from '../../src/runtime/status';
import { spec } from './spec';

interface RequestDef extends ServerDef {
  method?: string;
  path?: string;
  pathType?: string;
  query?: string;
  queryType?: string;
  body?: string;
  bodyType?: string;
  retryPost?: boolean | string;
}

export = (RED: NodeAPI) => {
  function RequestNode(this: Node, saved: RequestDef) {
    RED.nodes.createNode(this, saved);
    const node = this;
    const { def, problem } = readSpec(spec, saved);

    handleInput(RED, node, def, async ({ msg, send, client, signal }) => {
      // Method and path come only from the node's settings (or typed inputs the user chose),
      // never from msg.method or msg.url, so a message cannot redirect the call.
      const method = readMethod(def.method);
      const path = readPath(await evaluate(RED, node, def.path ?? '', def.pathType || 'str', msg, 'the path'));
      const query = def.query ? await evaluate(RED, node, def.query, def.queryType || 'json', msg, 'the query') : undefined;
      let body: unknown;
      if (def.body) body = await evaluate(RED, node, def.body, def.bodyType || 'msg', msg, 'the body');
      else if (BODY_METHODS.includes(method)) body = msg.payload;
      node.status(working(RED._('aims360-request.status.requesting', { method })));
      const response = await callApi(client, { method, path, query, body, retryPost: readBoolean(def.retryPost, false) }, signal);
      msg.payload = response.body;
      msg.statusCode = response.statusCode;
      msg.headers = safeHeaders(response.headers);
      // An answer that names a job feeds wait for job; otherwise the input's job fields stay.
      const named = setJobFields(msg, response.body);
      const text = named && msg.jobStatus !== undefined ? `${response.statusCode} ${String(msg.jobStatus).toLowerCase()}` : String(response.statusCode);
      node.status(answered(text));
      send(msg);
    }, problem);
  }

  RED.nodes.registerType('aims360-request', RequestNode);
};
