import type { NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { tokenUrlFor } from '../../src/lib/auth';
import { AimsClient, ClientOptions } from '../../src/lib/client';
import { AimsError, toAimsError } from '../../src/lib/errors';
import { JOBS_PATH } from '../../src/lib/jobs-endpoint';
import { useTranslator } from '../../src/lib/messages';
import { buildQueryString } from '../../src/lib/odata';
import { JobPoller } from '../../src/lib/poller';
import { problemText } from '../../src/lib/read-setting';
import { envReference, migrate, savedProblems } from '../../src/lib/rules';
import { refusalOf, refuse } from '../../src/runtime/admin';
import type { ConfigNode } from '../../src/runtime/red';
import { spec } from './spec';

interface ConfigDef extends NodeDef {
  baseUrl?: string;
  authType?: string;
  tokenUrl?: string;
  timeout?: number | string;
  trustedHosts?: string;
  maxRequestsPerSecond?: number | string;
}

interface Credentials {
  token?: string;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

interface RunningConfigNode extends ConfigNode {
  settings?: ConfigDef;
}

/** Node-RED's editor sends this in place of a saved password it does not reveal. */
const SAVED_SECRET = '__PWRD__';
const SECRET_FIELDS = ['token', 'clientSecret', 'password'] as const;

function clientOptions(def: ConfigDef, creds: Credentials): ClientOptions {
  const auth: ClientOptions['auth'] =
    def.authType === 'oauth2'
      ? {
          type: 'oauth2',
          tokenUrl: def.tokenUrl,
          clientId: creds.clientId ?? '',
          clientSecret: creds.clientSecret ?? '',
          username: creds.username ?? '',
          password: creds.password ?? '',
        }
      : { type: 'token', token: creds.token ?? '' };
  return { baseUrl: def.baseUrl ?? '', timeout: def.timeout, trustedHosts: def.trustedHosts, maxRequestsPerSecond: def.maxRequestsPerSecond, auth };
}

/** Scheme, host and port: a saved secret goes where the deployed node sends it, not to http in place of https. */
function originOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '').origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Why the settings stop the client (the deploy check, as the node starts), or undefined. */
function settingsProblem(def: ConfigDef): AimsError | undefined {
  const problem = savedProblems(spec, def)[0];
  return problem && AimsError.of('BAD_INPUT', 'aims360.errors.config.setting', { problem: problemText(problem) });
}

/**
 * The dialog's settings as Node-RED would deploy them: a `${NAME}` (or `$(NAME)`) that names a
 * set variable replaced by its value, read where the deployed node reads it (its flow, the
 * global environment, the process), or from the process for a node not deployed yet.
 */
function withVariables(RED: NodeAPI, def: ConfigDef, deployed: RunningConfigNode | null): ConfigDef {
  const excluded = (RED.settings as { envVarExcludes?: unknown }).envVarExcludes;
  const lookup = (name: string): unknown =>
    deployed ? RED.util.getSetting(deployed, name) : Array.isArray(excluded) && excluded.includes(name) ? undefined : process.env[name];
  const out: Record<string, unknown> = { ...def };
  for (const name of Object.keys(spec.settings)) {
    const variable = envReference(out[name]);
    const value = variable === undefined ? undefined : lookup(variable);
    if (value !== undefined) out[name] = value;
  }
  return out as unknown as ConfigDef;
}

/**
 * The dialog's values (variables put in, then checked as at deploy), with saved secrets filled
 * in only when they would go where the deployed node sends them: a changed base or token URL
 * needs the secret typed again.
 */
function testSettings(RED: NodeAPI, body: Record<string, unknown>): { def: ConfigDef; creds: Credentials } {
  const id = typeof body.id === 'string' ? body.id : '';
  const deployed = id ? (RED.nodes.getNode(id) as RunningConfigNode | null) : null;
  const def = withVariables(RED, body as unknown as ConfigDef, deployed);
  const problem = settingsProblem(def);
  if (problem) throw problem;
  const creds: Credentials = { ...(body.credentials as Credentials | undefined) };
  const usesSaved = SECRET_FIELDS.some((field) => creds[field] === SAVED_SECRET);
  if (usesSaved) {
    const saved = id ? (RED.nodes.getCredentials(id) as Credentials | undefined) : undefined;
    if (!deployed?.settings || !saved) {
      throw AimsError.of('BAD_INPUT', 'aims360.errors.config.notDeployed');
    }
    const sameTarget =
      originOf(def.baseUrl) === originOf(deployed.settings.baseUrl) &&
      (def.authType !== 'oauth2' ||
        originOf(tokenUrlFor(def.baseUrl ?? '', def.tokenUrl)) === originOf(tokenUrlFor(deployed.settings.baseUrl ?? '', deployed.settings.tokenUrl)));
    if (!sameTarget) {
      throw AimsError.of('UNTRUSTED_HOST', 'aims360.errors.config.urlChanged');
    }
    for (const field of SECRET_FIELDS) {
      if (creds[field] === SAVED_SECRET) creds[field] = saved[field];
    }
  }
  return { def, creds };
}

export = (RED: NodeAPI) => {
  // Every node needs a config node, so this module loads with the pack: the runtime's
  // messages then come from the catalogues in the runtime's language.
  useTranslator((key, params) => RED._(key, params));
  function Aims360ConfigNode(this: RunningConfigNode, saved: ConfigDef) {
    RED.nodes.createNode(this, saved);
    const def = migrate(spec, saved);
    this.settings = { ...def };
    // A wrong setting stops the client: every node that uses this server says why.
    const problem = settingsProblem(def);
    try {
      if (problem) throw problem;
      this.client = new AimsClient(clientOptions(def, (this.credentials ?? {}) as Credentials));
      this.poller = new JobPoller(this.client);
    } catch (err) {
      this.clientError = toAimsError(err);
      this.warn(this.clientError.message);
    }
    this.on('close', () => {
      this.poller?.close();
      this.client?.close();
    });
  }

  RED.nodes.registerType('aims360-config', Aims360ConfigNode, { credentials: spec.credentials });

  // "Test connection" in the edit dialog: one job query with the dialog's settings.
  RED.httpAdmin.post(
    '/aims360-config/test',
    RED.auth.needsPermission('aims360-config.write'),
    (req: Request, res: Response) => {
      let client: AimsClient | undefined;
      const answer = async () => {
        const { def, creds } = testSettings(RED, (req.body ?? {}) as Record<string, unknown>);
        client = new AimsClient({ ...clientOptions(def, creds), retry: { limit: 0 } });
        await client.requestJson(JOBS_PATH, { query: buildQueryString({ top: 1 }) });
        return { host: client.baseUrl.host };
      };
      // As the sidebar's routes: 200 with the host, else an HTTP status with {code, message}.
      answer().then(
        (result) => res.json(result),
        (err: unknown) => refuse(res, refusalOf(err)),
      ).finally(() => client?.close());
    },
  );
};
