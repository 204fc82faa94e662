/** The breaking-change check `.ci/run` runs (scripts/schema-check.ts), and the CHANGELOG it reads. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { changelogVersions, checkSchema, names } from '../../scripts/schema-check';

const root = path.resolve(__dirname, '../..');
const V1 = 'type Query { a: Int!, b(x: Int): String }\nenum Colour { RED GREEN }\ntype T { c: Colour }';
const log = (...versions: [string, string][]) => `# Changelog\n\n${versions.map(([v, body]) => `## ${v} — 2026-01-01\n\n${body}\n`).join('\n')}`;
const OLD = log(['0.1.0', 'First.']);

describe('schema:check', () => {
  it('passes an additive change without a CHANGELOG entry', async () => {
    const v = await checkSchema({ sdl: V1, changelog: OLD }, { sdl: `${V1}\ntype Query2 { z: Int }\nextend type Query { d: Int }`, changelog: OLD });
    expect(v.breaking).toEqual([]);
    expect(v.unlisted).toEqual([]);
  });

  it('fails a removed field, a removed enum value and a loosened output type that no new version names', async () => {
    const after = 'type Query { a: Int, b(x: Int): String }\nenum Colour { RED }\ntype T { c: Colour }';
    const v = await checkSchema({ sdl: V1, changelog: OLD }, { sdl: after, changelog: OLD });
    expect(v.unlisted.map((u) => u.split(':')[0]).sort()).toEqual(['Colour.GREEN', 'Query.a']);
  });

  it('passes them once a new version names each, by coordinate or pattern', async () => {
    const after = 'type Query { a: Int, b(x: Int): String }\nenum Colour { RED }\ntype T { c: Colour }';
    const changelog = log(['0.2.0', '- `Query.*` are nullable.\n- `Colour.GREEN` is gone.'], ['0.1.0', 'First.']);
    const v = await checkSchema({ sdl: V1, changelog: OLD }, { sdl: after, changelog });
    expect(v.breaking).toHaveLength(2);
    expect(v.unlisted).toEqual([]);
    expect(v.newVersions).toEqual(['0.2.0']);
  });

  it('does not accept a break named only under a version the base commit already had', async () => {
    const changelog = log(['0.1.0', 'First. `Query.a` is nullable.']);
    const v = await checkSchema({ sdl: V1, changelog: OLD }, { sdl: V1.replace('a: Int!', 'a: Int'), changelog });
    expect(v.unlisted).toHaveLength(1);
  });

  it('matches patterns by name characters only', () => {
    expect(names('`*Connection.edges`', 'TraineeConnection.edges')).toBe(true);
    expect(names('`*Connection.edges`', 'TraineeConnection.pageInfo')).toBe(false);
    expect(names('`Query.*`', 'Query.institutions.first')).toBe(false);
    expect(names('`Query.institutions.first`', 'Query.institutions.first')).toBe(true);
  });
});

describe('CHANGELOG.md', () => {
  it("has package.json's version as its newest", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(changelogVersions(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'))[0]?.version).toBe(pkg.version);
  });
});
