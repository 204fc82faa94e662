/**
 * The TypeScript client SDK in clients/typescript: its operations and typed
 * documents are what the schema makes of them (one per root field), it builds,
 * and a sample client type-checks against the build — while one that reads a
 * field the schema does not have does not.
 */
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { InMemoryCache } from '@apollo/client';
import { loadSchema, operations, schemaFacts } from '../clients/typescript/scripts/generate';
import { InstitutionNodeDocument, InstitutionsDocument, possibleTypes, sinergiTypePolicies } from '../clients/typescript/src';

const sdk = path.resolve(__dirname, '../clients/typescript');
const tsc = require.resolve('typescript/bin/tsc');

function typecheck(project: string): { ok: boolean; output: string } {
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, output: '' };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('the TypeScript SDK', () => {
  it('has the operations and schema facts the schema makes (run `npm run generate` in clients/typescript)', () => {
    const schema = loadSchema();
    expect(readFileSync(path.join(sdk, 'src/operations.graphql'), 'utf8')).toBe(operations(schema));
    expect(readFileSync(path.join(sdk, 'src/schema-facts.ts'), 'utf8')).toBe(schemaFacts(schema));
  });

  it('has the typed documents codegen makes of them', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: path.join(sdk, 'codegen.yml') });
    const outputs = await generate({ ...config, cwd: sdk, silent: true }, false);
    for (const out of outputs as { filename: string; content: string }[]) {
      expect(readFileSync(path.resolve(sdk, out.filename), 'utf8'), out.filename).toBe(out.content);
    }
  });

  it('has an operation for every root query and mutation, each with a fragment that selects id and __typename of records', () => {
    const schema = loadSchema();
    const doc = parse(readFileSync(path.join(sdk, 'src/operations.graphql'), 'utf8'));
    const called = new Set(
      doc.definitions
        .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
        .flatMap((op) => op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [`${op.operation}.${s.name.value}`] : []))),
    );
    const roots = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `mutation.${f}`),
    ];
    expect(roots.filter((r) => !called.has(r))).toEqual([]);
    const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    for (const f of fragments) {
      const type = schema.getType(f.typeCondition.name.value);
      const selected = f.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
      if (type && 'getFields' in type && 'id' in type.getFields()) expect(selected, f.name.value).toEqual(expect.arrayContaining(['__typename', 'id']));
    }
  });

  it('builds, and a sample client type-checks against the build; one reading a field the schema lacks does not', () => {
    rmSync(path.join(sdk, 'dist'), { recursive: true, force: true });
    const build = typecheck(path.join(sdk, 'tsconfig.json'));
    expect(build.output).toBe('');
    expect(build.ok).toBe(true);
    const sample = typecheck(path.join(sdk, 'examples/tsconfig.json'));
    expect(sample.output).toBe('');

    const dir = mkdtempSync(path.join(tmpdir(), 'sinergi-sdk-'));
    try {
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            module: 'commonjs',
            moduleResolution: 'node',
            lib: ['ES2022', 'DOM'],
            types: [],
            typeRoots: [],
            baseUrl: dir,
            paths: { '@sinergi/client': [path.join(sdk, 'dist/index.d.ts')] },
          },
          include: ['*.ts'],
        }),
      );
      writeFileSync(
        path.join(dir, 'wrong.ts'),
        "import type { InstitutionsQuery } from '@sinergi/client';\nexport const f = (q: InstitutionsQuery) => q.institutions?.edges?.map((e) => e.node.nickname);\n",
      );
      const wrong = typecheck(path.join(dir, 'tsconfig.json'));
      expect(wrong.ok).toBe(false);
      expect(wrong.output).toMatch(/nickname/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("answers node(id) from a record the cache holds, and merges a list's pages, by the SDK's type policies", () => {
    const cache = new InMemoryCache({ possibleTypes, typePolicies: sinergiTypePolicies() });
    const institution = (n: number) => ({
      __typename: 'Institution' as const,
      id: `SW5zdGl0dXRpb246${n}`,
      accreditation: null,
      address: null,
      annualCapacity: 100,
      createdAt: '2026-01-01T00:00:00.000Z',
      externalId: null,
      linkAndMatch: false,
      name: `BLK ${n}`,
      ownerMinistry: { __typename: 'Ministry' as const, id: 'TWluaXN0cnk6MQ' },
      pmiPreparation: true,
      provinceCode: '35',
      regency: null,
      sectors: [],
      type: 'TRAINING_CENTRE' as const,
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 1,
    });
    const page = (ns: number[], hasNextPage: boolean) => ({
      institutions: {
        __typename: 'InstitutionConnection' as const,
        edges: ns.map((n) => ({ __typename: 'InstitutionEdge' as const, cursor: `c${n}`, node: institution(n) })),
        pageInfo: { __typename: 'PageInfo' as const, endCursor: `c${ns[ns.length - 1]}`, hasNextPage, hasPreviousPage: false, startCursor: `c${ns[0]}` },
        totalCount: 4,
      },
    });
    cache.writeQuery({ query: InstitutionsDocument, variables: { first: 2 }, data: page([1, 2], true) });
    cache.writeQuery({ query: InstitutionsDocument, variables: { first: 2, after: 'c2' }, data: page([3, 4], false) });
    const merged = cache.readQuery({ query: InstitutionsDocument, variables: { first: 2 } });
    expect(merged?.institutions?.edges?.map((e) => e.node.name)).toEqual(['BLK 1', 'BLK 2', 'BLK 3', 'BLK 4']);
    // Another filter is another list.
    expect(cache.readQuery({ query: InstitutionsDocument, variables: { first: 2, filter: { provinceCode: '36' } } })).toBeNull();
    const node = cache.readQuery({ query: InstitutionNodeDocument, variables: { id: institution(3).id } });
    expect(node?.node).toMatchObject({ __typename: 'Institution', name: 'BLK 3' });
    expect(cache.readQuery({ query: InstitutionNodeDocument, variables: { id: 'SW5zdGl0dXRpb246OQ' } })).toBeNull();
  });
});
