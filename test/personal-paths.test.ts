/**
 * No full personal value leaves without a read-log entry (issue 8). The
 * schema walk fails when a field, argument or enum value that can carry a
 * personal value is added without an entry in PERSONAL_VALUE_PATHS; the
 * behaviour tests exercise each path as a ministry reading another's data
 * under a clause with personal data, and check the read log — with the
 * clause — in the owner's data-subject report.
 */
import { buildSchema, getNamedType, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredPaths, LOOKS_PERSONAL, PERSONAL_VALUE_PATHS as LISTED } from '../src/modules/personal-data/personal-paths';
import { RESOURCES } from '../src/modules';

const PERSONAL_VALUE_PATHS = { ...declaredPaths(RESOURCES), ...LISTED };
import { PersonalDataRead } from '../src/modules/personal-data/personal-data-read.entity';
import { SCHEMA_FILE } from '../src/graphql/schema';
import { ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

/** Every schema element whose name or type suggests it can carry a personal value. */
function candidates(): string[] {
  const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  const found: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const returns = getNamedType(field.type).name;
        const rootString = (type.name === 'Query' || type.name === 'Mutation') && returns === 'String';
        if (LOOKS_PERSONAL.test(field.name) || returns === 'JSONObject' || rootString) found.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (LOOKS_PERSONAL.test(arg.name)) found.push(`${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (LOOKS_PERSONAL.test(field.name)) found.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (LOOKS_PERSONAL.test(value.name.replace(/_/g, ''))) found.push(`${type.name}.${value.name}`);
    }
  }
  return found.sort();
}

const covered = (key: string) =>
  key in PERSONAL_VALUE_PATHS ||
  Object.keys(PERSONAL_VALUE_PATHS).some((k) => k.startsWith('*') && key.endsWith(k.slice(1)) && key.split('.')[0].endsWith(k.slice(1).split('.')[0]));

describe('the list of personal-value paths', () => {
  it('names every field, argument and enum value of the schema that can carry a personal value', () => {
    expect(candidates().filter((k) => !covered(k))).toEqual([]);
  });

  it('every rule that reads a stored personal value reads it through personalValue, which logs it whatever the outcome', () => {
    // A decision on a personal value (the age on departure; a rule a resource adds next year) is a read of it:
    // personalValue masks it or logs it, and a request that then fails or is rolled back still keeps the log row
    // (server/request-context.ts, keepReads). A stored value read any other way would make the outcome an oracle.
    const fields = [...new Set(RESOURCES.flatMap((r) => Object.keys(r.personal ?? {})))];
    expect(fields).toEqual(expect.arrayContaining(['nik', 'birthDate', 'returneeNik']));
    const reviewed: Record<string, string> = {
      'src/modules/trainee/nik.ts': "the birth date encoded in a NIK the caller typed (parseNik of the input): the caller's own value",
    };
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const root = path.resolve(__dirname, '..');
    const reads = new RegExp(`\\b(?!input\\b)[A-Za-z_]\\w*\\??\\.(${fields.join('|')})\\b(?!\\s*\\()`);
    const unlogged: string[] = [];
    // Where rules live: the modules, the resource machinery and data layer they share, and the access layer.
    for (const file of ['modules', 'resource', 'data', 'access'].flatMap((d) => files(path.join(root, 'src', d)))) {
      const rel = path.relative(root, file);
      // Declarations, the read log itself, the demo data and staff accounts and their logins (not data subjects) hold no rule.
      if (
        /\.(entity|inputs|resource)\.ts$|^src\/modules\/(personal-data|account)\/|^src\/access\/login-throttle\.ts$|^src\/seed\//.test(rel) ||
        rel in reviewed
      )
        continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (reads.test(line.replace(/\/\/.*$|^\s*\*.*$/, '')) && !/personalValue\(/.test(line)) unlogged.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(unlogged).toEqual([]);
  });

  it('has no stale entries', () => {
    const all = candidates();
    const stale = Object.keys(PERSONAL_VALUE_PATHS).filter((k) =>
      k.startsWith('*') ? !all.some((c) => covered(c) && c.endsWith(k.slice(1))) : !all.includes(k),
    );
    expect(stale).toEqual([]);
  });
});

let t: TestApp;
let kp2miViewer: Client, esdmViewer: Client, esdmAdmin: Client;
let esdm: Awaited<ReturnType<typeof f.ministryWorld>>;
let ids: Record<string, string>;
let traineeClause: string;

/** Read-log rows about `recordId` and the fields they name. */
const logged = async (recordId: string) =>
  (await t.em().find(PersonalDataRead, { recordId }, { orderBy: { readAt: 'asc' } })).map((r) => ({ fields: r.fields, clause: r.clause.id }));

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kp2mi, kesdm] = await Promise.all(['KP2MI', 'KESDM'].map((c) => t.ministry(c)));
  ids = { KP2MI: kp2mi.id, KESDM: kesdm.id };
  await f.ministryWorld(em, kp2mi);
  esdm = await f.ministryWorld(em, kesdm);
  const { clauses } = await f.signedMou(em, kp2mi, kesdm, [
    { provider: kesdm, recipient: kp2mi, resources: [ResourceType.TRAINEE, ResourceType.RETURNEE_BUSINESS], personal: true },
  ]);
  traineeClause = clauses[0].id;
  [kp2miViewer, esdmViewer, esdmAdmin] = await Promise.all([t.as(Role.VIEWER, 'KP2MI'), t.as(Role.VIEWER, 'KESDM'), t.as(Role.ADMIN, 'KESDM')]);
});
afterAll(() => t.close());

describe('every path of a full personal value is logged, with its clause', () => {
  const esdmOnly = () => ({ ownerMinistryId: toGlobalId('Ministry', ids.KESDM) });

  it('a NIK filter that only counts is logged for each record it matches', async () => {
    const before = (await logged(esdm.trainee.id)).length;
    const res = expectOk(await kp2miViewer.exec(ops.TraineeCountDocument, { filter: { nik: esdm.trainee.nik } }));
    expect(res.trainees.totalCount).toBe(1);
    const after = await logged(esdm.trainee.id);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toEqual({ fields: ['nik'], clause: traineeClause });
    // The owner sees that read, with its clause, in the data-subject report.
    const report = expectOk(await esdmAdmin.exec(ops.DataSubjectAccessReportDocument, { nik: esdm.trainee.nik })).dataSubjectAccessReport;
    expect(
      report.reads.some(
        (r) => r.fields.join() === 'nik' && r.readerMinistry.code === 'KP2MI' && r.clause?.id === toGlobalId('DataSharingClause', traineeClause),
      ),
    ).toBe(true);
  });

  it('a returnee NIK filter likewise', async () => {
    const before = (await logged(esdm.returneeBusiness.id)).length;
    expect(
      expectOk(await kp2miViewer.exec(ops.ReturneeBusinessCountDocument, { filter: { returneeNik: esdm.returneeBusiness.returneeNik } })).returneeBusinesses
        .totalCount,
    ).toBe(1);
    expect((await logged(esdm.returneeBusiness.id)).at(-1)).toEqual({ fields: ['returneeNik'], clause: traineeClause });
    expect(await logged(esdm.returneeBusiness.id)).toHaveLength(before + 1);
  });

  it('a sort by birth date logs the page, and its cursors hold no birth date', async () => {
    const before = (await logged(esdm.trainee.id)).length;
    const page = expectOk(await kp2miViewer.exec(ops.TraineeCursorsDocument, { filter: esdmOnly(), orderBy: { field: 'BIRTH_DATE' } })).trainees;
    expect(page.edges.length).toBeGreaterThan(0);
    expect((await logged(esdm.trainee.id)).at(-1)).toEqual({ fields: ['birthDate'], clause: traineeClause });
    expect(await logged(esdm.trainee.id)).toHaveLength(before + 1);
    for (const cursor of [...page.edges.map((e) => e.cursor), page.pageInfo.endCursor!]) {
      for (const encoding of ['base64url', 'base64', 'hex', 'latin1'] as const) {
        const text = Buffer.from(cursor, encoding === 'latin1' ? 'latin1' : encoding).toString('latin1');
        expect(text).not.toContain(esdm.trainee.birthDate);
        expect(text).not.toContain(esdm.trainee.birthDate.replace(/-/g, ''));
      }
    }
    // A sealed cursor still pages; an edited one is refused as not a cursor of this list.
    expectOk(await kp2miViewer.exec(ops.TraineeCursorsDocument, { filter: esdmOnly(), orderBy: { field: 'BIRTH_DATE' }, after: page.pageInfo.endCursor }));
    const edited = page.pageInfo.endCursor!.slice(0, -2) + (page.pageInfo.endCursor!.endsWith('A') ? 'BB' : 'AA');
    expectError(
      await kp2miViewer.exec(ops.TraineeCursorsDocument, { filter: esdmOnly(), orderBy: { field: 'BIRTH_DATE' }, after: edited }),
      'BAD_USER_INPUT',
      'after',
    );
    const forged = Buffer.from(JSON.stringify([esdm.trainee.birthDate, esdm.trainee.id])).toString('base64url');
    expectError(
      await kp2miViewer.exec(ops.TraineeCursorsDocument, { filter: esdmOnly(), orderBy: { field: 'BIRTH_DATE' }, after: forged }),
      'BAD_USER_INPUT',
      'after',
    );
  });

  it('field values and CSV exports are logged; masked values are not', async () => {
    const before = (await logged(esdm.trainee.id)).length;
    const csv = expectOk(await kp2miViewer.exec(ops.TraineesCsvDocument, { filter: esdmOnly() })).traineesCsv;
    expect(csv).toContain(esdm.trainee.nik);
    expect(await logged(esdm.trainee.id)).toHaveLength(before + 1);
    expect((await logged(esdm.trainee.id)).at(-1)!.fields).toEqual(['address', 'birthDate', 'email', 'nik', 'phone']);
    // The owner's own reads are not reads by another ministry.
    expectOk(await esdmViewer.exec(ops.TraineesDocument, { filter: { nik: esdm.trainee.nik } }));
    expect(await logged(esdm.trainee.id)).toHaveLength(before + 1);
  });

  it("the data-subject report answers only about the caller's own records", async () => {
    const report = expectOk(await kp2miViewer.exec(ops.DataSubjectAccessReportDocument, { nik: esdm.trainee.nik })).dataSubjectAccessReport;
    expect(report.records).toEqual([]);
    expect(report.reads).toEqual([]);
  });
});
