/**
 * Broken object-level authorization: every operation that takes an id is
 * tried by the most privileged account of ministry A (its ADMIN) with ids of
 * ministry B's rows. Reads answer as for a missing id, writes are refused, and
 * nothing of B's changes. A schema check makes sure no id-taking operation is
 * left out of the table.
 */
import { COSIGNATURE_V1, generateSigner, verifierKey } from '../src/modules/audit/log/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, getNamedType, isInputObjectType, parse, type GraphQLArgument, type GraphQLInputType } from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../src/graphql/schema';
import { Account } from '../src/modules/account/account.entity';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { DataSharingClause, Mou, MouParty } from '../src/modules/mou/mou.entity';
import { ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { naming } from '../src/resource/naming';
import type { Ministry } from '../src/data/ministry.entity';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type Result, type TestApp } from './support/test-app';

type Expect = 'null' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'empty' | 'not-readable' | 'header-only';
interface Attack {
  query: string;
  variables: () => Record<string, unknown>;
  expect: Expect;
}

let t: TestApp;
let attacker: Client;
let victimWitness: string;
let victimApp: string;
let victim: Awaited<ReturnType<typeof f.ministryWorld>>;
let victimMou: Mou;
let victimClause: DataSharingClause;
let victimAccount: Account;
let own: Awaited<ReturnType<typeof f.ministryWorld>>;
const gid = f.gid;

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [a, b, c] = await Promise.all(['KEMENPERIN', 'KESDM', 'KEMNAKER'].map((code) => t.ministry(code)));
  own = await f.ministryWorld(em, a);
  victim = await f.ministryWorld(em, b);
  victimMou = em.create(Mou, {
    ownerMinistry: b,
    title: 'B and C',
    scope: 'Between B and C',
    validFrom: '2025-01-01',
    validUntil: '2030-01-01',
    partyMinistryIds: [b.id, c.id],
  });
  em.create(MouParty, { mou: victimMou, ministry: b });
  em.create(MouParty, { mou: victimMou, ministry: c });
  victimClause = em.create(DataSharingClause, {
    mou: victimMou,
    providerMinistry: b,
    recipientMinistry: c,
    resourceTypes: [ResourceType.TRAINEE],
    includesPersonalData: true,
    purpose: 'B shares with C',
  });
  await em.flush();
  attacker = await t.as(Role.ADMIN, 'KEMENPERIN');
  // One change of B's made through the API, so that B's data has audit events to hide.
  const victimEditor = await t.as(Role.EDITOR, 'KESDM');
  const changed = await victimEditor.raw('mutation($id: ID!) { updateInstitution(input: { id: $id, annualCapacity: 7 }) { id } }', {
    id: gid(victim.institution),
  });
  if (changed.errors) throw new Error(JSON.stringify(changed.errors));
  // A witness of the audit log that B's ADMIN registered.
  const witness = await (
    await t.as(Role.ADMIN, 'KESDM')
  ).raw('mutation($k: String!) { registerAuditWitness(verifierKey: $k) { id } }', {
    k: verifierKey(generateSigner('witness.kesdm.test/bola', COSIGNATURE_V1).signer),
  });
  if (witness.errors) throw new Error(JSON.stringify(witness.errors));
  victimWitness = witness.data!.registerAuditWitness.id;
  victimAccount = (await t.as(Role.VIEWER, 'KESDM')).account!;
  // A client app of B's.
  const app = await (await t.as(Role.ADMIN, 'KESDM')).raw('mutation { createApiClient(input: { name: "B portal", role: EDITOR }) { client { id } } }');
  if (app.errors) throw new Error(JSON.stringify(app.errors));
  victimApp = app.data!.createApiClient.client.id;
  ATTACKS = { ...(await ownedAttacks(em, a)), ...SPECIFIC };
});
afterAll(() => t.close());

/** Attacks on operations a resource declares by hand (the MoU, accounts, the audit log, reports). */
const SPECIFIC: Record<string, Attack> = {
  node: { query: 'query($id: ID!) { node(id: $id) { id } }', variables: () => ({ id: gid(victim.trainee) }), expect: 'null' },
  explainAccess: {
    query: 'query($id: ID!) { explainAccess(id: $id) { canRead canWrite } }',
    variables: () => ({ id: gid(victim.institution) }),
    expect: 'not-readable',
  },
  dataSubjectAccessReport: {
    query: 'query($nik: String!) { dataSubjectAccessReport(nik: $nik) { records { id } reads { readAt } } }',
    variables: () => ({ nik: victim.trainee.nik }),
    expect: 'empty',
  },
  mous: {
    query: 'query($m: ID) { mous(partyMinistryId: $m) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'empty',
  },
  auditEvents: {
    query: 'query($m: ID, $e: ID) { auditEvents(ministryId: $m, entityId: $e) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id), e: gid(victim.institution) }),
    expect: 'empty',
  },
  accounts: {
    query: 'query($m: ID) { accounts(ministryId: $m) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'empty',
  },
  updateMouDraft: {
    query: 'mutation($id: ID!) { updateMouDraft(input: { id: $id, title: "Pwned MoU" }) { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  signMou: {
    query:
      'mutation($id: ID!) { signMou(id: $id, digest: "0000000000000000000000000000000000000000000000000000000000000000", signatoryName: "X", signatoryTitle: "Y") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  terminateMou: {
    query: 'mutation($id: ID!) { terminateMou(id: $id, reason: "Pwned MoU") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  amendMou: {
    query: 'mutation($id: ID!) { amendMou(input: { id: $id, reason: "Pwned MoU" }) { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  signMouAmendment: {
    query:
      'mutation($id: ID!) { signMouAmendment(id: $id, digest: "0000000000000000000000000000000000000000000000000000000000000000", signatoryName: "X", signatoryTitle: "Y") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  rejectMouAmendment: {
    query: 'mutation($id: ID!) { rejectMouAmendment(id: $id, reason: "Pwned MoU") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  withdrawMouAmendment: {
    query: 'mutation($id: ID!) { withdrawMouAmendment(id: $id, reason: "Pwned MoU") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  narrowMouClause: {
    query: 'mutation($id: ID!) { narrowMouClause(input: { clauseId: $id, reason: "Pwned MoU", includesPersonalData: false }) { id } }',
    variables: () => ({ id: toGlobalId('DataSharingClause', victimClause.id) }),
    expect: 'FORBIDDEN',
  },
  revokeAuditWitness: {
    query: 'mutation($id: ID!) { revokeAuditWitness(id: $id) { id } }',
    variables: () => ({ id: victimWitness }),
    expect: 'FORBIDDEN',
  },
  rotateApiClientSecret: {
    query: 'mutation($id: ID!) { rotateApiClientSecret(id: $id, overlapHours: 0) { clientSecret } }',
    variables: () => ({ id: victimApp }),
    expect: 'FORBIDDEN',
  },
  setApiClientQuota: {
    query: 'mutation($id: ID!) { setApiClientQuota(id: $id, requestsPerWindow: 1, costPerWindow: 1) { id } }',
    variables: () => ({ id: victimApp }),
    expect: 'FORBIDDEN',
  },
  trustedDocuments: {
    query: 'query($c: ID!) { trustedDocuments(clientId: $c) { id } }',
    variables: () => ({ c: victimApp }),
    expect: 'FORBIDDEN',
  },
  registerTrustedDocuments: {
    query: 'mutation($c: ID!) { registerTrustedDocuments(clientId: $c, documents: ["{ viewer { kind } }"]) { added } }',
    variables: () => ({ c: victimApp }),
    expect: 'FORBIDDEN',
  },
  requireTrustedDocuments: {
    query: 'mutation($c: ID!) { requireTrustedDocuments(clientId: $c, required: false) { id } }',
    variables: () => ({ c: victimApp }),
    expect: 'FORBIDDEN',
  },
  revokeApiClient: {
    query: 'mutation($id: ID!) { revokeApiClient(id: $id) { id } }',
    variables: () => ({ id: victimApp }),
    expect: 'FORBIDDEN',
  },
  approveAccount: {
    query: 'mutation($id: ID!) { approveAccount(id: $id) { id } }',
    variables: () => ({ id: toGlobalId('Account', victimAccount.id) }),
    expect: 'FORBIDDEN',
  },
  updateAccount: {
    query: 'mutation($id: ID!) { updateAccount(input: { id: $id, active: false }) { id } }',
    variables: () => ({ id: toGlobalId('Account', victimAccount.id) }),
    expect: 'FORBIDDEN',
  },
  createAccount: {
    query:
      'mutation($m: ID) { createAccount(input: { email: "mole@test.local", displayName: "Mole", password: "a-long-password-1", role: ADMIN, ministryId: $m }) { id } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'FORBIDDEN',
  },
};

/**
 * The attacks every resource made from fields gets, from its declaration: its list and CSV export
 * filtered by B's rows (each relation filter, or B as owner), an update with its fixture's change and a
 * delete of B's row, and a create whose relation names B's row instead of A's own (a row A must be able
 * to write is FORBIDDEN; one it must only read, as missing: BAD_USER_INPUT).
 */
async function ownedAttacks(em: EntityManager, attackerMinistry: Ministry): Promise<Record<string, Attack>> {
  const out: Record<string, Attack> = {};
  const mine = Object.fromEntries(f.FIXTURED.map((r) => [r.name, own[f.worldKey(r.name)]]));
  const fresh = async (type: string) => {
    const row = f.make(em, type, attackerMinistry, mine);
    await em.flush();
    return row as { id: string };
  };
  for (const r of f.FIXTURED) {
    const victimRow = victim[f.worldKey(r.name)];
    const refs = Object.entries(r.fields ?? {}).flatMap(([key, field]) => (field.reference ? [{ key, ...field.reference, filter: field.filter }] : []));
    const filterRefs = refs.filter((x) => x.filter === 'eq');
    const filter = filterRefs.length
      ? Object.fromEntries(filterRefs.map((x) => [naming.referenceInput(x.key), gid(victim[f.worldKey(x.target().name)])]))
      : { ownerMinistryId: toGlobalId('Ministry', victimRow.ownerMinistry.id) };
    const list = naming.list(r.name);
    out[list] = { query: `query($f: ${naming.filter(r.name)}) { ${list}(filter: $f) { totalCount } }`, variables: () => ({ f: filter }), expect: 'empty' };
    out[naming.exportField(r.name)] = {
      query: `query($f: ${naming.filter(r.name)}) { ${naming.exportField(r.name)}(filter: $f) }`,
      variables: () => ({ f: filter }),
      expect: 'header-only',
    };
    out[naming.update(r.name)] = {
      query: `mutation($i: ${naming.updateInput(r.name)}!) { ${naming.update(r.name)}(input: $i) { id } }`,
      variables: () => ({ i: { id: gid(victimRow), ...r.fixture.change } }),
      expect: 'FORBIDDEN',
    };
    out[naming.delete(r.name)] = {
      query: `mutation($id: ID!) { ${naming.delete(r.name)}(id: $id) { deletedId } }`,
      variables: () => ({ id: gid(victimRow) }),
      expect: 'FORBIDDEN',
    };
    // One relation pointed at B's row: the first that need only be readable, else the first that must be writable.
    const aimed = refs.find((x) => x.access === 'readable') ?? refs[0];
    if (aimed) {
      const input = {
        ...(await r.fixture.create(mine, fresh, 7000 + Object.keys(out).length)),
        [naming.referenceInput(aimed.key)]: gid(victim[f.worldKey(aimed.target().name)]),
      };
      out[naming.create(r.name)] = {
        query: `mutation($i: ${naming.createInput(r.name)}!) { ${naming.create(r.name)}(input: $i) { id } }`,
        variables: () => ({ i: input }),
        expect: aimed.access === 'writable' ? 'FORBIDDEN' : 'BAD_USER_INPUT',
      };
    }
  }
  return out;
}

let ATTACKS: Record<string, Attack> = SPECIFIC;

/** Operations that take ids of reference data every caller may name, not of another ministry's rows. */
const NOT_OBJECT_LEVEL = { createMou: 'party ministries are public reference data', updateMinistry: 'ministries are reference data (PLATFORM_ADMIN only)' };

function takesId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => takesId(f.type, seen));
}

async function victimState(): Promise<string> {
  const em = t.em();
  const b = victim.institution.ownerMinistry.id;
  const rows = await Promise.all([
    ...f.FIXTURED.map((r) => em.find(r.node, { ownerMinistry: b } as never, { orderBy: { id: 'asc' } as never })),
    em.find(Mou, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(MouParty, { mou: victimMou }, { orderBy: { id: 'asc' } }),
    em.find(DataSharingClause, { mou: victimMou }, { orderBy: { id: 'asc' } }),
    em.find(Account, { ministry: b }, { orderBy: { id: 'asc' } }),
    em.getConnection().execute('select id, revoked_at from audit_log_witness order by id'),
    em
      .getConnection()
      .execute(
        'select c.id, c.revoked_at, c.require_trusted_documents, c.quota_requests, c.quota_cost, s.secret_hash, s.expires_at, (select count(*) from api_client_document d where d.client = c.id) as documents from api_client c join api_client_secret s on s.client = c.id order by s.id',
      ),
  ]);
  return JSON.stringify(rows);
}

function check(name: string, res: Result<unknown>, expected: Expect) {
  const data = res.data as Record<string, any> | null | undefined;
  const code = res.errors?.[0]?.extensions?.code;
  switch (expected) {
    case 'null':
      expect(res.errors, name).toBeUndefined();
      expect(data?.[name], name).toBeNull();
      break;
    case 'header-only':
      expect(res.errors, name).toBeUndefined();
      expect(String(data?.[name]).trim().split('\n'), name).toHaveLength(1);
      break;
    case 'not-readable':
      expect(data?.[name], name).toEqual({ canRead: false, canWrite: false });
      break;
    case 'empty': {
      expect(res.errors, name).toBeUndefined();
      const v = data?.[name];
      expect(v.totalCount ?? v.records.length + v.reads.length, name).toBe(0);
      break;
    }
    default:
      expect(code, `${name}: ${JSON.stringify(res.errors ?? data)}`).toBe(expected);
  }
}

describe("object-level authorization with another ministry's ids", () => {
  it('covers every operation that takes an id', () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    const withIds = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) =>
      Object.values(type.getFields())
        .filter((field) => field.args.some((a: GraphQLArgument) => takesId(a.type)))
        .map((field) => field.name),
    );
    // The NIK of the access report is not an ID but names a person of another ministry all the same.
    expect(withIds.filter((n) => !(n in NOT_OBJECT_LEVEL)).sort()).toEqual(
      Object.keys(ATTACKS)
        .filter((n) => n !== 'dataSubjectAccessReport')
        .sort(),
    );
  });

  it("B's data has audit events (so hiding them is tested)", async () => {
    expect(await t.em().count(AuditEvent, { subjectMinistryId: victim.institution.ownerMinistry.id })).toBeGreaterThan(0);
  });

  it("every attack is refused or answered as for a missing row, and B's data is unchanged", async () => {
    const before = await victimState();
    for (const [name, attack] of Object.entries(ATTACKS)) check(name, await attacker.raw(attack.query, attack.variables()), attack.expect);
    expect(await victimState()).toBe(before);
  });
});
