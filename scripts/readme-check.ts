/**
 * `npm run readme:check`: the shell commands of the README and of the guides
 * in docs/, pasted in order into a fresh clone, work. Takes every ```sh block
 * of README.md, then of each docs/*.md in name order (clients.md's download
 * and import before operations.md's production start), clones the repository
 * (its committed HEAD) into a temporary directory, and runs them there with
 * bash, in one shell, stopping at the first command that fails.
 *
 * A reader runs a few things differently from a script, so exactly these are
 * translated, and nothing else:
 * - `npm start` and `npm run start:prod` run in the background until the
 *   server answers `/readyz`; the comment "stop `npm start` first" stops it,
 *   as Ctrl-C would (SIGINT);
 * - `npm test` is skipped unless README_CHECK_TESTS=1 (CI runs it anyway);
 * - a value the reader fills in (`'…'`) gets one from PLACEHOLDERS;
 * - a block that needs Docker is skipped, saying so, when there is no Docker.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PLACEHOLDERS: Record<string, string> = { FIRST_ADMIN_PASSWORD: 'readme-check-first-admin' };

export interface Block {
  line: number;
  text: string;
  /** The file it is in, as the log names it. */
  file?: string;
}

export function shellBlocks(markdown: string, file = 'README'): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    blocks.push({ line: start + 1, text: lines.slice(start, j).join('\n'), file });
    i = j;
  }
  return blocks;
}

/** The README's blocks, then each guide's in docs/, in name order. */
export function documentedBlocks(root: string): Block[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort();
  return [
    ...shellBlocks(readFileSync(path.join(root, 'README.md'), 'utf8')),
    ...docs.flatMap((f) => shellBlocks(readFileSync(path.join(root, 'docs', f), 'utf8'), `docs/${f}`)),
  ];
}

/** One block as the script runs it. */
export function translate(block: Block, env: { tests: boolean; docker: boolean }): string {
  const where = `${block.file ?? 'README'} line ${block.line}`;
  if (/\bdocker\b/.test(block.text) && !env.docker) return `echo "${where}: skipped, it needs Docker"`;
  const out: string[] = [`echo "--- ${where}"`];
  // Continuation lines are one command.
  for (const raw of block.text.split(/(?<!\\)\n/)) {
    let line = raw;
    if (/^\s*#.*stop `npm start`/.test(line)) {
      out.push('stop_server');
      continue;
    }
    const placeholder = /^(\s*(?:export\s+)?)([A-Z_]+)='…'(.*)$/.exec(line);
    if (placeholder) {
      const value = PLACEHOLDERS[placeholder[2]];
      if (!value) throw new Error(`${where}: no value for the placeholder of ${placeholder[2]}`);
      line = `${placeholder[1]}${placeholder[2]}='${value}'${placeholder[3]}`;
    }
    if (/(^|&&\s*)npm test\b/.test(line) && !env.tests) {
      out.push(`echo "npm test: skipped here (README_CHECK_TESTS=1 runs it)"`);
      continue;
    }
    line = line.replace(/(^|&&\s*)(npm start|npm run start:prod)\b/, '$1start_server $2');
    out.push(line);
  }
  return out.join('\n');
}

const PRELUDE = `set -euo pipefail
server_pid=
start_server() {
  setsid "$@" > "$READMECHECK_LOG" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null http://127.0.0.1:4000/readyz 2>/dev/null; then echo "server ready: $*"; return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then echo "server exited:"; tail -n 40 "$READMECHECK_LOG"; return 1; fi
    sleep 1
  done
  echo "server not ready after 600 s"; tail -n 40 "$READMECHECK_LOG"; return 1
}
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -INT -- "-$server_pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$server_pid" 2>/dev/null || true
  server_pid=
  echo "server stopped"
}
trap stop_server EXIT
`;

/** The environment of a new user: none of this project's settings (CI's own DATABASE_URL and the like). */
function pristine(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings = /^(DATABASE_|SINERGI_|NODE_ENV$|PORT$|HOST$|JWT_|AUDIT_KEY$|REDIS_|CORS_|METRICS_|OTEL_|SEED_DEMO$|VITEST)/;
  return Object.fromEntries(Object.entries(env).filter(([k]) => !settings.test(k)));
}

function main() {
  const root = path.resolve(__dirname, '..');
  const dir = mkdtempSync(path.join(tmpdir(), 'sinergi-readme-'));
  const keep = process.env.README_CHECK_KEEP === '1';
  try {
    const clone = path.join(dir, 'sinergi');
    execFileSync('git', ['clone', '--quiet', root, clone], { stdio: 'inherit' });
    const docker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
    const blocks = documentedBlocks(clone);
    const script = [
      PRELUDE,
      ...blocks.map((b) => translate(b, { tests: process.env.README_CHECK_TESTS === '1', docker })),
      'stop_server',
      'echo "README and docs commands: all ran"',
    ].join('\n\n');
    writeFileSync(path.join(dir, 'readme.sh'), script);
    console.log(`readme:check: ${blocks.length} blocks from README.md and docs/, in ${clone}`);
    const run = spawnSync('bash', [path.join(dir, 'readme.sh')], {
      cwd: clone,
      stdio: 'inherit',
      env: { ...pristine(process.env), READMECHECK_LOG: path.join(dir, 'server.log') },
    });
    if (run.status !== 0) {
      console.error(`readme:check: failed (the script is ${path.join(dir, 'readme.sh')})`);
      process.exitCode = 1;
    }
  } finally {
    if (!keep && process.exitCode !== 1) rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
