/**
 * `npm run account -- create --role PLATFORM_ADMIN --email ops@example.go.id [--name "Platform ops"]`
 *
 * Creates a PLATFORM_ADMIN or AUDITOR account with the owner's connection
 * (DATABASE_URL, or the embedded PostgreSQL of `npm start`: stop the server
 * first), audited like any account change (see modules/account/account-cli.ts).
 * The password comes from SINERGI_PASSWORD or the first line of standard
 * input, never from an argument, which other users of the machine can read.
 * Compiled with the server (`npm run build`), so it runs with plain `node`.
 */
import 'reflect-metadata';
import os from 'node:os';
import { config } from '../config';
import { openDatabase } from '../startup/database';
import { seedReference } from '../seed/demo';
import { sealsWritten } from '../modules/audit/audit.writer';
import { CLI_ROLES, CliRefusal, createOperatorAccount } from '../modules/account/account-cli';

const USAGE = `usage: SINERGI_PASSWORD=… npm run account -- create --role ${CLI_ROLES.join('|')} --email <e-mail> [--name <display name>]
       (or give the password as the first line of standard input)`;

/** `--name value` pairs after the command; refuses unknown or repeated options. */
export function parseArgs(argv: readonly string[]): { command: string | undefined; options: Record<string, string> } {
  const [command, ...rest] = argv;
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i];
    const value = rest[i + 1];
    if (name === '--password') throw new CliRefusal('the password is never an argument: use SINERGI_PASSWORD or standard input');
    if (!['--role', '--email', '--name'].includes(name) || value === undefined || name.slice(2) in options) throw new CliRefusal(USAGE);
    options[name.slice(2)] = value;
  }
  return { command, options };
}

async function readPassword(): Promise<string> {
  if (process.env.SINERGI_PASSWORD) return process.env.SINERGI_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write('password (12 to 200 characters), then Enter: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}

async function main(): Promise<number> {
  const { command, options } = parseArgs(process.argv.slice(2));
  if (command !== 'create' || !options.role || !options.email) throw new CliRefusal(USAGE);
  const password = await readPassword();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, stopRunning: false, auditKey: config.auditKey });
  try {
    await seedReference(db.adminOrm);
    const made = await createOperatorAccount(
      db.adminOrm,
      { email: options.email, role: options.role, displayName: options.name, password },
      { auditKey: config.auditKey, operator: os.userInfo().username },
    );
    process.stdout.write(`created ${made.role} ${made.email} (${made.id})\n`);
    await sealsWritten();
    return 0;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof CliRefusal ? 2 : 1);
    },
  );
}
