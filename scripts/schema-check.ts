/**
 * The breaking-change check: `npm run schema:check [-- <base ref>]`.
 *
 * Compares schema/schema.graphql with the base commit's (default HEAD~1) using
 * GraphQL Inspector, and fails on a breaking change that CHANGELOG.md does not
 * name under a version newer than the base commit's. Clients pin a version and
 * read its CHANGELOG entry; a break they were not told about is the one to stop.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { CriticalityLevel, diff } from '@graphql-inspector/core';

export interface Verdict {
  /** Breaking changes, as `coordinate: message`. */
  breaking: string[];
  /** Those no new CHANGELOG version names. */
  unlisted: string[];
  /** Versions in the new CHANGELOG and not in the old. */
  newVersions: string[];
}

/** `## 1.2.3 — date` headings and the text under each, newest first. */
export function changelogVersions(changelog: string): { version: string; body: string }[] {
  const parts = changelog.split(/^## /m).slice(1);
  return parts.flatMap((part) => {
    const version = /^\[?(\d+\.\d+\.\d+(?:-[\w.]+)?)\]?/.exec(part)?.[1];
    return version ? [{ version, body: part }] : [];
  });
}

/** Whether a backticked coordinate pattern in `text` covers `coordinate` (`*`: any run of name characters). */
export function names(text: string, coordinate: string): boolean {
  for (const [, pattern] of text.matchAll(/`([A-Za-z_*][\w*]*(?:\.[\w*]+){1,2})`/g)) {
    const source = pattern
      .split('*')
      .map((s) => s.replace(/[.]/g, '\\.'))
      .join('\\w*');
    if (new RegExp(`^${source}$`).test(coordinate)) return true;
  }
  return false;
}

export async function checkSchema(before: { sdl: string; changelog: string }, after: { sdl: string; changelog: string }): Promise<Verdict> {
  const changes = await diff(buildSchema(before.sdl), buildSchema(after.sdl));
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const old = new Set(changelogVersions(before.changelog).map((v) => v.version));
  const fresh = changelogVersions(after.changelog).filter((v) => !old.has(v.version));
  const text = fresh.map((v) => v.body).join('\n');
  return {
    breaking: breaking.map((c) => `${c.path ?? '(schema)'}: ${c.message}`),
    unlisted: breaking.filter((c) => !c.path || !names(text, c.path)).map((c) => `${c.path ?? '(schema)'}: ${c.message}`),
    newVersions: fresh.map((v) => v.version),
  };
}

function atRef(ref: string, file: string): string {
  try {
    return execFileSync('git', ['show', `${ref}:${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return '';
  }
}

async function main() {
  const base = process.argv[2] ?? 'HEAD~1';
  const root = path.resolve(__dirname, '..');
  const beforeSdl = atRef(base, 'schema/schema.graphql');
  if (!beforeSdl) {
    console.log(`schema:check: ${base} has no schema/schema.graphql; nothing to compare`);
    return;
  }
  const verdict = await checkSchema(
    { sdl: beforeSdl, changelog: atRef(base, 'CHANGELOG.md') },
    { sdl: readFileSync(path.join(root, 'schema/schema.graphql'), 'utf8'), changelog: readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8') },
  );
  console.log(
    `schema:check against ${base}: ${verdict.breaking.length} breaking change(s); new CHANGELOG version(s): ${verdict.newVersions.join(', ') || 'none'}`,
  );
  if (verdict.unlisted.length) {
    console.error(`Breaking changes the CHANGELOG does not name under a new version:\n  ${verdict.unlisted.join('\n  ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
