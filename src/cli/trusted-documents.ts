/**
 * Registers a client app's manifest of trusted documents with a running server, as its ministry's ADMIN:
 *
 *   SINERGI_PASSWORD=… npm run -s trusted-documents -- --as <admin e-mail> --client <client id> \
 *     --manifest clients/typescript/trusted-documents.json [--dry-run] [--url http://127.0.0.1:4000/graphql]
 *
 * The manifest maps each document id (`sha256:<hex>`) to its text, as the SDK's build writes it; an id that
 * is not its text's hash is refused before anything is sent. Prints what is new (`+`) and gone (`-`) — the
 * manifest replaces the app's list — and, with `--dry-run`, registers nothing. The password comes from
 * SINERGI_PASSWORD, never from an argument.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
// The pure half only: the CLI loads no schema.
import { documentIdOf } from '../modules/api-client/credentials';

const USAGE =
  'usage: SINERGI_PASSWORD=… trusted-documents --as <admin e-mail> --client <client id> --manifest <trusted-documents.json> [--dry-run] [--url <graphql url>]';

const REGISTER = `mutation Register($c: ID!, $d: [String!]!, $dry: Boolean) {
  registerTrustedDocuments(clientId: $c, documents: $d, dryRun: $dry) { added removed unchanged dryRun client { name requireTrustedDocuments } }
}`;

type Answer<T> = { data?: T | null; errors?: { message: string; extensions?: { code?: string; field?: string } }[] };

async function call<T>(url: string, token: string | null, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Answer<T>;
  const error = body.errors?.[0];
  if (error || !body.data)
    throw new Error(
      error ? `${error.extensions?.code ?? 'ERROR'}${error.extensions?.field ? ` (${error.extensions.field})` : ''}: ${error.message}` : `HTTP ${res.status}`,
    );
  return body.data;
}

/** Runs the command; its exit code. `print` takes each line of output. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, print: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      as: { type: 'string' },
      client: { type: 'string' },
      manifest: { type: 'string' },
      url: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
  const password = env.SINERGI_PASSWORD;
  if (!values.as || !values.client || !values.manifest || !password) {
    print(USAGE);
    return 2;
  }
  const manifest = JSON.parse(await readFile(values.manifest, 'utf8')) as Record<string, unknown>;
  const texts: string[] = [];
  const names = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    if (typeof text !== 'string' || documentIdOf(text) !== id) {
      print(`${values.manifest}: ${id} is not the id of its text (sha256 of it): rebuild the manifest.`);
      return 1;
    }
    texts.push(text);
    names.set(id, /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(text)?.[1] ?? '(anonymous)');
  }
  const url = values.url ?? env.SINERGI_URL ?? 'http://127.0.0.1:4000/graphql';
  try {
    const { login } = await call<{ login: { token: string } }>(url, null, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: values.as,
      p: password,
    });
    const { registerTrustedDocuments: r } = await call<{
      registerTrustedDocuments: {
        added: string[];
        removed: string[];
        unchanged: number;
        dryRun: boolean;
        client: { name: string; requireTrustedDocuments: boolean };
      };
    }>(url, login.token, REGISTER, { c: values.client, d: texts, dry: values['dry-run'] === true });
    for (const id of r.added) print(`+ ${id} ${names.get(id) ?? ''}`.trimEnd());
    for (const id of r.removed) print(`- ${id}`);
    print(
      `${r.client.name}: ${r.added.length} new, ${r.removed.length} gone, ${r.unchanged} unchanged${r.dryRun ? ' (dry run: nothing registered)' : ''}; ` +
        (r.client.requireTrustedDocuments ? 'the app runs these documents only.' : 'the app may still send text (requireTrustedDocuments is off).'),
    );
    return 0;
  } catch (e) {
    print(`trusted-documents: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2), process.env).then((code) => (process.exitCode = code));
