/**
 * Executes the permission matrix (permission-matrix.ts) cell by cell: every
 * root operation as every role (and anonymously), checking that the role
 * layer admits exactly the matrix's cells. A denied cell must be refused by
 * the role rules (FORBIDDEN, or UNAUTHENTICATED when anonymous); an admitted
 * cell must succeed, with a call made for that role (support/operations.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../src/graphql/schema';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import { rootOperations, type Operations } from './support/operations';
import { startTestApp, type Client, type Result, type TestApp } from './support/test-app';
import { ANONYMOUS_ALLOWED, cells, COLUMNS, MATRIX } from './permission-matrix';

let t: TestApp;
const clients = new Map<string, Client>();
let executed = 0;

let loaded: Map<string, Client>;
let OPS: Operations;

beforeAll(async () => {
  t = await startTestApp();
  ({ clients: loaded, OPS } = await rootOperations(t));
  for (const [k, v] of loaded) clients.set(k, v);
});
afterAll(async () => {
  await t.close();
  // Read by the closing note: how many cells ran.
  console.log(`permission matrix: ${executed} cells executed`);
});

/** Whether the role layer refused: shield's own rules, not the data layer. */
function refusedByRole(res: Result<unknown>): 'UNAUTHENTICATED' | 'FORBIDDEN' | null {
  for (const e of res.errors ?? []) {
    if (e.extensions?.code === 'UNAUTHENTICATED') return 'UNAUTHENTICATED';
    const rule = String(e.extensions?.rule ?? '');
    if (e.extensions?.code === 'FORBIDDEN' && (rule.startsWith('audience:') || rule.startsWith('fallback:'))) return 'FORBIDDEN';
  }
  return null;
}

describe('permission matrix', () => {
  it('has a row for every root field of the schema, and none for fields that do not exist', () => {
    const types = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    expect(Object.keys(types.getQueryType()!.getFields()).sort()).toEqual(Object.keys(MATRIX.query).sort());
    expect(Object.keys(types.getMutationType()!.getFields()).sort()).toEqual(Object.keys(MATRIX.mutation).sort());
    expect(Object.keys(OPS).sort()).toEqual([...Object.keys(MATRIX.query), ...Object.keys(MATRIX.mutation)].sort());
  });

  it('agrees with what accessMatrix reports to users', async () => {
    const reported = expectOk(await clients.get('VIEWER')!.exec(ops.AccessMatrixDocument, {})).accessMatrix;
    const word = { A: 'ALLOWED', S: 'SCOPED', '-': 'DENIED' } as const;
    for (const row of reported) {
      const expected = cells(MATRIX[row.kind as 'query' | 'mutation'][row.operation]);
      for (const cell of row.cells)
        expect(`${row.operation}/${cell.role}: ${cell.access}`).toBe(`${row.operation}/${cell.role}: ${word[expected[COLUMNS.indexOf(cell.role as never)]]}`);
    }
  });

  for (const kind of ['query', 'mutation'] as const) {
    for (const [operation, row] of Object.entries(MATRIX[kind])) {
      it(`${kind} ${operation}: ${row} (anonymous: ${ANONYMOUS_ALLOWED.has(operation) ? 'A' : '-'})`, async () => {
        const expected = cells(row);
        for (const who of ['ANONYMOUS', ...COLUMNS] as const) {
          const op = await OPS[operation](who);
          const res = await clients.get(who)!.raw(op.query, op.variables);
          executed++;
          const cell = who === 'ANONYMOUS' ? (ANONYMOUS_ALLOWED.has(operation) ? 'A' : '-') : expected[COLUMNS.indexOf(who)];
          const refused = refusedByRole(res);
          if (cell === '-')
            expect(refused, `${operation} as ${who}: ${JSON.stringify(res.errors ?? res.data)}`).toBe(who === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
          else expect(res.errors, `${operation} as ${who}: ${JSON.stringify(res.errors)}`).toBeUndefined();
        }
      });
    }
  }
});
