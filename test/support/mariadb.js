// A private MariaDB server for one test file, from Debian's mariadb-server package: a temporary
// data directory, a free loopback port and a socket in that directory, run as the current
// user. Installed with apt-get when missing, as .ci/run does. Stopped and removed after.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const mysql = require('mysql2/promise');
const { freePort } = require('./node-red-process');

const MARIADBD = '/usr/sbin/mariadbd';
const SYSTEM_SQL = '/usr/share/mysql';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
// A throwaway server: small files and no waiting for the disk. InnoDB stays the table engine
// (the example's transaction needs it).
const SERVER_OPTIONS = [
  '--no-defaults',
  ...(IS_ROOT ? ['--user=root'] : []),
  '--skip-log-bin',
  '--skip-name-resolve',
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  '--innodb-data-file-path=ibdata1:12M:autoextend',
  '--innodb-temp-data-file-path=ibtmp1:12M:autoextend',
  '--innodb-doublewrite=0',
  '--innodb-flush-log-at-trx-commit=0',
];

/** The package when it is missing, like .ci/run installs chromium (as root only: apt-get needs it). */
function ensureInstalled() {
  if (fs.existsSync(MARIADBD)) return;
  if (!IS_ROOT) throw new Error(`${MARIADBD} is missing: install Debian's mariadb-server package (apt-get install -y mariadb-server)`);
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', 'mariadb-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * The system tables only (what mariadb-install-db does without help tables, sys schema and
 * test database: 2.3 s here instead of 4.2 s), by the server's bootstrap mode.
 */
function bootstrap(dataDir, logFile) {
  fs.mkdirSync(dataDir);
  const sql = ['CREATE DATABASE IF NOT EXISTS mysql;', 'USE mysql;',
    ...['mysql_system_tables.sql', 'mysql_system_tables_data.sql'].map((f) => fs.readFileSync(path.join(SYSTEM_SQL, f), 'utf8'))].join('\n');
  execFileSync(MARIADBD, [...SERVER_OPTIONS, '--bootstrap', `--datadir=${dataDir}`, '--log-warnings=0'], {
    input: sql,
    stdio: ['pipe', 'ignore', fs.openSync(logFile, 'a')],
  });
}

/** Resolves once a connection over the socket succeeds; rejects when the server exits first. */
async function ready(child, socketPath, logFile) {
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal || code));
  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited !== null) throw new Error(`mariadbd exited (${exited}):\n${fs.readFileSync(logFile, 'utf8')}`);
    if (fs.existsSync(socketPath)) {
      const conn = await mysql.createConnection({ socketPath, user: 'root' }).catch(() => null);
      if (conn) return conn;
    }
    if (Date.now() > deadline) throw new Error(`mariadbd did not accept connections within 30 s:\n${fs.readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a server. Resolves { host, port, socketPath, user, password, startedMs,
 * createDatabase(name), dropDatabase(name), connect(database), stop() }: `user` (a password user
 * on 127.0.0.1, as a flow connects) may do anything on every database.
 */
async function startMariaDb() {
  const began = Date.now();
  ensureInstalled();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aims360-mariadb-'));
  const dataDir = path.join(dir, 'data');
  const socketPath = path.join(dir, 'mariadb.sock');
  const logFile = path.join(dir, 'server.log');
  let child;
  let root;
  const stop = async () => {
    if (root) await root.end().catch(() => undefined);
    root = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    process.removeListener('exit', killOnExit);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A test run that ends early must not leave a server behind.
  const killOnExit = () => child && child.exitCode === null && child.kill('SIGKILL');
  try {
    bootstrap(dataDir, logFile);
    const port = await freePort();
    child = spawn(MARIADBD, [...SERVER_OPTIONS, `--datadir=${dataDir}`, `--socket=${socketPath}`, `--port=${port}`,
      '--bind-address=127.0.0.1', `--pid-file=${path.join(dir, 'mariadb.pid')}`, `--log-error=${logFile}`], { stdio: 'ignore' });
    process.once('exit', killOnExit);
    root = await ready(child, socketPath, logFile);
    const user = 'aims360';
    const password = `pw-${process.pid}-${Date.now()}`;
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@?', [user, '127.0.0.1']);
    const connect = (database) => mysql.createConnection({ host: '127.0.0.1', port, user, password, database });
    return {
      host: '127.0.0.1',
      port,
      socketPath,
      user,
      password,
      startedMs: Date.now() - began,
      createDatabase: (name) => root.query(`CREATE DATABASE \`${name}\``),
      // A client still holding a transaction there (a test that failed) makes it wait 5 s at most.
      dropDatabase: async (name) => {
        await root.query('SET SESSION lock_wait_timeout = 5');
        await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
      },
      connect,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Mocha hooks: one server for the enclosing describe, with a database made for it (dropped
 * after). Returns a getter for the server (as startMariaDb) plus `database`.
 */
function useMariaDb(database = `aims360_test_${process.pid}`) {
  let server;
  before(async function () {
    // A first run may install the package.
    this.timeout(300000);
    server = await startMariaDb();
    await server.createDatabase(database);
  });
  after(async () => {
    if (!server) return;
    try {
      await server.dropDatabase(database);
    } finally {
      await server.stop();
    }
  });
  return () => ({ ...server, database });
}

module.exports = { startMariaDb, useMariaDb };
