#!/usr/bin/env node
// `aims360-simulator`: runs the AIMS360 Jobs API stand-in until Ctrl-C.
import { DEFAULT_TOKEN, exposureWarning, start, type SimulatorOptions } from './index';
import { demoGuide } from './demo';

const USAGE = `Usage: aims360-simulator [--port 8360] [--host 127.0.0.1] [--allow-host NAME] [--token TOKEN] [--demo]

  --port        TCP port to listen on (default 8360, 0 for any free port)
  --host        interface to bind (default 127.0.0.1; 0.0.0.0 for every interface)
  --allow-host  a host name the control API (/_sim/) answers besides localhost, 127.0.0.1,
                ::1 and the bound address (repeat it or separate names with commas)
  --token       static bearer token to accept (default ${DEFAULT_TOKEN})
  --demo        seed a few jobs in motion
  --help        show this text`;

function parseArgs(argv: string[]): SimulatorOptions {
  const options: SimulatorOptions = { port: 8360, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value.`);
      return next;
    };
    switch (name) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a number from 0 to 65535.');
        options.port = port;
        break;
      }
      case '--host':
        options.host = value();
        break;
      case '--allow-host': {
        const names = value().split(',').map((n) => n.trim()).filter(Boolean);
        if (names.length === 0) throw new Error('--allow-host needs a host name.');
        options.allowedHosts = [...(options.allowedHosts ?? []), ...names];
        break;
      }
      case '--token':
        options.token = value();
        if (!options.token) throw new Error('--token must not be empty.');
        break;
      case '--demo':
        options.demo = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`Unknown option ${arg}.`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: SimulatorOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const sim = await start(options);
  const warning = exposureWarning(sim.host);
  if (warning.length) console.error(warning.join('\n'));
  console.log(`AIMS360 simulator listening on ${sim.url}`);
  console.log(`  bearer token:  ${sim.token}`);
  console.log(`  OAuth:         POST ${sim.url}/authentication/v1/authentication/token (client sim-client / sim-secret, user operator@example.com / sim-password)`);
  console.log(`  control API:   ${sim.url}/_sim/`);
  if (options.demo) console.log(demoGuide().join('\n'));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
