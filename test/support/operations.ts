/**
 * One representative call of every root operation, shared by the permission
 * matrix (is the role admitted?) and the audit tests (does every successful
 * mutation leave exactly one event?). Staff clients belong to KP2MI, the
 * coordinator, so that every operation can succeed for the right role.
 */
import { Role } from '../../src/access/roles';
import { v4 as uuidv4 } from 'uuid';
import { Account } from '../../src/modules/account/account.entity';
import { DataSharingClause, Mou, MouParty } from '../../src/modules/mou/mou.entity';
import { MouAmendment, MouAmendmentSignature } from '../../src/modules/mou/mou-amendment.entity';
import { ResourceType } from '../../src/shared/enums';
import { MouStatus } from '../../src/shared/enums';
import { toGlobalId } from '../../src/shared/global-id';
import { COSIGNATURE_V1, generateSigner, verifierKey } from '../../src/modules/audit/log/note';
import { naming } from '../../src/resource/naming';
import type { Ministry } from '../../src/data/ministry.entity';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as ops from '../generated/graphql';
import { expectOk } from './expect';
import * as f from './factories';
import { draftDigest, pendingDigest } from './mou-digest';
import { TEST_PASSWORD, type Client, type TestApp } from './test-app';

export const ROLES = ['VIEWER', 'EDITOR', 'ADMIN', 'AUDITOR', 'PLATFORM_ADMIN'] as const;
export type Op = { query: string; variables?: Record<string, unknown> };

/** One representative call per root operation; `who` (a role, or ANONYMOUS) gets a call that role can make succeed. */
export type Operations = Record<string, (who?: string) => Promise<Op>>;

/**
 * The operations of every resource made from fields, from its declaration's fixture: its list and
 * CSV export, a create of its valid input, an update with its change, a delete of a row of its own.
 */
function ownedOperations(em: EntityManager, owner: Ministry, w: f.World): Operations {
  const byType = Object.fromEntries(f.FIXTURED.map((r) => [r.name, w[f.worldKey(r.name)]]));
  const fresh = async (type: string) => {
    const row = f.make(em, type, owner, byType);
    await em.flush();
    return row as { id: string };
  };
  let n = 5000;
  const out: Operations = {};
  for (const r of f.FIXTURED) {
    const list = naming.list(r.name);
    out[list] = async () => ({ query: `{ ${list} { totalCount } }` });
    out[naming.exportField(r.name)] = async () => ({ query: `{ ${naming.exportField(r.name)} }` });
    out[naming.create(r.name)] = async () => ({
      query: `mutation($i: ${naming.createInput(r.name)}!) { ${naming.create(r.name)}(input: $i) { id } }`,
      variables: { i: await r.fixture.create(byType, fresh, n++) },
    });
    out[naming.update(r.name)] = async () => ({
      query: `mutation($i: ${naming.updateInput(r.name)}!) { ${naming.update(r.name)}(input: $i) { id } }`,
      variables: { i: { id: f.gid(w[f.worldKey(r.name)]), ...r.fixture.change } },
    });
    // A row nothing else refers to.
    out[naming.delete(r.name)] = async () => ({
      query: `mutation($id: ID!) { ${naming.delete(r.name)}(id: $id) { deletedId } }`,
      variables: { id: f.gid(await f.lone(em, r.name, owner)) },
    });
  }
  return out;
}

export async function rootOperations(t: TestApp): Promise<{ clients: Map<string, Client>; OPS: Operations }> {
  const em = t.em();
  const kp2mi = await t.ministry('KP2MI');
  const perin = await t.ministry('KEMENPERIN');
  const w = await f.ministryWorld(em, kp2mi);
  const clients = new Map<string, Client>();
  for (const role of ROLES) clients.set(role, await t.as(Role[role], role === 'AUDITOR' || role === 'PLATFORM_ADMIN' ? null : 'KP2MI'));
  clients.set('ANONYMOUS', t.anonymous());
  const m = (id: string) => toGlobalId('Ministry', id);
  const admin = clients.get('ADMIN')!;
  const draftMou = async () => {
    const res = await clients.get('EDITOR')!.exec(ops.CreateMouDocument, {
      input: { title: 'Matrix MoU', scope: 'Matrix scope', validFrom: '2025-01-01', validUntil: '2030-01-01', partyMinistryIds: [m(perin.id)], clauses: [] },
    });
    return expectOk(res).createMou.id;
  };
  const fresh = async () => f.ministryWorld(em, kp2mi);
  /**
   * The refresh token of a new session of the role's account, logged in from an address of its own: files
   * that send failing logins by the thousand from the default address must not get these refused.
   */
  let logins = 0;
  const freshRefreshToken = async (role: string) => {
    const res = await t
      .from(`198.51.100.${(logins++ % 250) + 1}`)
      .raw('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { refreshToken } }', {
        e: clients.get(role)!.account!.email,
        p: TEST_PASSWORD,
      });
    return expectOk(res).login.refreshToken as string;
  };
  /** A client app of KP2MI, registered by the shared ADMIN, with its secret. */
  const apiClientOfKp2mi = async (): Promise<{ client: { id: string; clientId: string }; clientSecret: string }> =>
    expectOk(
      await clients.get('ADMIN')!.raw('mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id clientId } clientSecret } }', {
        i: { name: `Operations app ${uuidv4()}`, role: 'EDITOR' },
      }),
    ).createApiClient;
  let countries = 0;
  /** An MoU of KP2MI and KEMENPERIN signed by both, made directly so that terminate and amend can succeed. */
  const activeMou = async () => {
    const mou = em.create(Mou, {
      ownerMinistry: kp2mi,
      title: 'Matrix active MoU',
      scope: 'Matrix scope',
      validFrom: '2025-01-01',
      validUntil: '2030-01-01',
      partyMinistryIds: [kp2mi.id, perin.id],
      recordedStatus: MouStatus.ACTIVE,
    });
    for (const ministry of [kp2mi, perin]) em.create(MouParty, { mou, ministry, signedAt: new Date(), signatoryName: 'Menteri', signatoryTitle: 'Menteri' });
    await em.flush();
    return f.gid(mou);
  };
  /** An active MoU with an amendment pending, proposed (and signed) by `proposer`. */
  const pendingAmendment = async (proposer: typeof kp2mi) => {
    const id = await activeMou();
    const mou = await em.findOneOrFail(Mou, { id: Buffer.from(id, 'base64url').toString().split(':')[1] });
    const a = em.create(MouAmendment, {
      id: uuidv4(),
      mou,
      number: 1,
      reason: 'Matrix extension',
      proposal: { validUntil: '2031-01-01' },
      proposedByMinistry: proposer,
      proposedByAccountId: uuidv4(),
    });
    em.create(MouAmendmentSignature, { id: uuidv4(), amendment: a, ministry: proposer, accountId: uuidv4() });
    await em.flush();
    return id;
  };
  const someNik = () => f.validNik();
  const OPS: Operations = {
    ...ownedOperations(em, kp2mi, w),
    node: async () => ({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: f.gid(w.institution) } }),
    viewer: async () => ({ query: '{ viewer { email } }' }),
    ministries: async () => ({ query: '{ ministries { totalCount } }' }),
    destinationCountries: async () => ({ query: '{ destinationCountries { totalCount } }' }),
    mous: async () => ({ query: '{ mous { totalCount } }' }),
    accounts: async () => ({ query: '{ accounts { totalCount } }' }),
    dataSubjectAccessReport: async () => ({ query: 'query($nik: String!) { dataSubjectAccessReport(nik: $nik) { nik } }', variables: { nik: w.trainee.nik } }),
    explainAccess: async () => ({ query: 'query($id: ID!) { explainAccess(id: $id) { canRead } }', variables: { id: f.gid(w.institution) } }),
    accessMatrix: async () => ({ query: '{ accessMatrix { operation } }' }),
    auditEvents: async () => ({ query: '{ auditEvents { totalCount } }' }),
    importCsv: async () => ({
      query: 'mutation($csv: String!) { importCsv(kind: INSTITUTIONS, csv: $csv) { created written } }',
      variables: { csv: `externalId,name,type,provinceCode,annualCapacity\nM-${Math.random().toString(36).slice(2)},BLK Impor,TRAINING_CENTRE,35,120\n` },
    }),
    statistics: async () => ({ query: '{ statistics { institutionCount institutionsByType { key count } } }' }),
    verifyAuditLog: async () => ({ query: '{ verifyAuditLog { valid } }' }),
    auditCheckpoint: async () => ({ query: '{ auditCheckpoint { seq token } }' }),
    auditLogCheckpoint: async () => ({ query: '{ auditLogCheckpoint { size } }' }),
    // An event of its own, taken into the log's tree and signed, to prove.
    auditInclusionProof: async () => {
      expectOk(
        await clients.get('EDITOR')!.raw('mutation($id: ID!) { updateInstitution(input: { id: $id, name: "Proven" }) { id } }', { id: f.gid(w.institution) }),
      );
      await t.app.auditLog.sync();
      const [{ seq }] = await em.getConnection().execute<{ seq: string }[]>('select max(seq)::text as seq from audit_event');
      return { query: 'query($s: String!) { auditInclusionProof(seq: $s) { hashes } }', variables: { s: seq } };
    },
    auditConsistencyProof: async () => {
      expectOk(
        await clients
          .get('EDITOR')!
          .raw('mutation($id: ID!) { updateInstitution(input: { id: $id, name: "Consistent" }) { id } }', { id: f.gid(w.institution) }),
      );
      await t.app.auditLog.sync();
      return { query: '{ auditConsistencyProof(fromSize: 1) { hashes } }' };
    },
    auditWitnesses: async () => ({ query: '{ auditWitnesses { name } }' }),
    auditLogEntries: async () => {
      await t.app.auditLog.sync();
      return { query: '{ auditLogEntries(from: 0, count: 1) { leaf content } }' };
    },
    auditLogIndexAt: async () => ({ query: '{ auditLogIndexAt(time: "2026-01-01T00:00:00Z") }' }),
    auditLogRangeProof: async () => {
      await t.app.auditLog.sync();
      return { query: '{ auditLogRangeProof(from: 0, to: 1) { hash } }' };
    },
    registerAuditWitness: async () => ({
      query: 'mutation($k: String!) { registerAuditWitness(verifierKey: $k) { id } }',
      variables: { k: verifierKey(generateSigner(`witness.test/${uuidv4()}`, COSIGNATURE_V1).signer) },
    }),
    // A witness registered by the caller's side (its ministry, or the auditors) to revoke.
    revokeAuditWitness: async (who) => {
      const role = who === 'AUDITOR' ? Role.AUDITOR : Role.ADMIN;
      const registrar = await t.as(role, role === Role.ADMIN ? 'KP2MI' : null);
      const key = verifierKey(generateSigner(`witness.test/${uuidv4()}`, COSIGNATURE_V1).signer);
      const { id } = expectOk(await registrar.raw('mutation($k: String!) { registerAuditWitness(verifierKey: $k) { id } }', { k: key })).registerAuditWitness;
      return { query: 'mutation($id: ID!) { revokeAuditWitness(id: $id) { id } }', variables: { id } };
    },
    apiClients: async () => ({ query: '{ apiClients { totalCount } }' }),
    createApiClient: async () => ({
      query: 'mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id } clientSecret } }',
      variables: { i: { name: `Matrix app ${uuidv4()}`, role: 'VIEWER' } },
    }),
    rotateApiClientSecret: async () => ({
      query: 'mutation($id: ID!) { rotateApiClientSecret(id: $id) { clientSecret } }',
      variables: { id: (await apiClientOfKp2mi()).client.id },
    }),
    revokeApiClient: async () => ({ query: 'mutation($id: ID!) { revokeApiClient(id: $id) { id } }', variables: { id: (await apiClientOfKp2mi()).client.id } }),
    setApiClientQuota: async () => ({
      query: 'mutation($id: ID!) { setApiClientQuota(id: $id, requestsPerWindow: 100, costPerWindow: 100000) { quota { requestsPerWindow } } }',
      variables: { id: (await apiClientOfKp2mi()).client.id },
    }),
    trustedDocuments: async () => ({
      query: 'query($c: ID!) { trustedDocuments(clientId: $c) { id } }',
      variables: { c: (await apiClientOfKp2mi()).client.clientId },
    }),
    registerTrustedDocuments: async () => ({
      query: 'mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added } }',
      variables: { c: (await apiClientOfKp2mi()).client.id, d: ['query Me { viewer { kind } }'] },
    }),
    requireTrustedDocuments: async () => ({
      query: 'mutation($c: ID!) { requireTrustedDocuments(clientId: $c, required: true) { requireTrustedDocuments } }',
      variables: { c: (await apiClientOfKp2mi()).client.id },
    }),
    clientCredentialsToken: async () => {
      const { client, clientSecret } = await apiClientOfKp2mi();
      return {
        query: 'mutation($c: String!, $s: String!) { clientCredentialsToken(clientId: $c, clientSecret: $s) { token } }',
        variables: { c: client.clientId, s: clientSecret },
      };
    },
    login: async () => ({
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      variables: { e: clients.get('VIEWER')!.account!.email, p: TEST_PASSWORD },
    }),
    // A session of its own for each call (a login as the role's account), so that ending it leaves the
    // shared clients' sessions alone; anonymous callers send no refresh token.
    refreshToken: async (who) => ({
      query: 'mutation($r: String!) { refreshToken(refreshToken: $r) { token expiresAt } }',
      variables: { r: await freshRefreshToken(who === 'ANONYMOUS' ? 'VIEWER' : (who ?? 'EDITOR')) },
    }),
    // The refresh token in the document, not in a variable: a call with the variable missing or null would
    // end the calling client's own session, which every later call of the file shares.
    logout: async (who) =>
      who === 'ANONYMOUS'
        ? { query: 'mutation { logout }' }
        : { query: `mutation { logout(refreshToken: ${JSON.stringify(await freshRefreshToken(who ?? 'EDITOR'))}) }` },
    createMou: async () => ({
      query: 'mutation($i: CreateMouInput!) { createMou(input: $i) { id } }',
      variables: { i: { title: 'Matrix MoU', scope: 'Matrix scope', validFrom: '2025-01-01', validUntil: '2030-01-01', partyMinistryIds: [m(perin.id)] } },
    }),
    updateMouDraft: async () => ({
      query: 'mutation($i: UpdateMouDraftInput!) { updateMouDraft(input: $i) { id } }',
      variables: { i: { id: await draftMou(), title: 'Matrix MoU edited' } },
    }),
    signMou: async () => ({
      query: 'mutation($id: ID!, $d: String!) { signMou(id: $id, digest: $d, signatoryName: "A", signatoryTitle: "B") { id } }',
      variables: await draftMou().then(async (id) => ({ id, d: await draftDigest(em, id) })),
    }),
    terminateMou: async () => ({ query: 'mutation($id: ID!) { terminateMou(id: $id, reason: "Matrix reason") { id } }', variables: { id: await activeMou() } }),
    amendMou: async () => ({
      query: 'mutation($i: AmendMouInput!) { amendMou(input: $i) { id } }',
      variables: { i: { id: await activeMou(), reason: 'Matrix amendment', validUntil: '2031-01-01' } },
    }),
    signMouAmendment: async () => ({
      query: 'mutation($id: ID!, $d: String!) { signMouAmendment(id: $id, digest: $d, signatoryName: "A", signatoryTitle: "B") { id } }',
      variables: await pendingAmendment(perin).then(async (id) => ({ id, d: await pendingDigest(em, id) })),
    }),
    rejectMouAmendment: async () => ({
      query: 'mutation($id: ID!) { rejectMouAmendment(id: $id, reason: "Matrix rejection") { id } }',
      variables: { id: await pendingAmendment(perin) },
    }),
    withdrawMouAmendment: async () => ({
      query: 'mutation($id: ID!) { withdrawMouAmendment(id: $id, reason: "Matrix withdrawal") { id } }',
      variables: { id: await pendingAmendment(kp2mi) },
    }),
    narrowMouClause: async () => {
      const id = await activeMou();
      const clause = em.create(DataSharingClause, {
        mou: Buffer.from(id, 'base64url').toString().split(':')[1],
        providerMinistry: kp2mi,
        recipientMinistry: perin,
        resourceTypes: [ResourceType.TRAINEE],
        includesPersonalData: true,
        purpose: 'Matrix sharing',
      });
      await em.flush();
      return {
        query: 'mutation($i: NarrowClauseInput!) { narrowMouClause(input: $i) { id } }',
        variables: { i: { clauseId: toGlobalId('DataSharingClause', clause.id), reason: 'Matrix narrowing', includesPersonalData: false } },
      };
    },
    approveAccount: async () => {
      const pending = em.create(Account, {
        email: `p${Math.random().toString(36).slice(2)}@test.local`,
        displayName: 'Pending admin',
        passwordHash: 'x',
        role: Role.ADMIN,
        ministry: kp2mi,
        pending: true,
      });
      await em.flush();
      return { query: 'mutation($id: ID!) { approveAccount(id: $id) { id } }', variables: { id: toGlobalId('Account', pending.id) } };
    },
    // A ministry ADMIN creates its VIEWERs; a PLATFORM_ADMIN creates ministry ADMINs only.
    createAccount: async (who) => ({
      query: 'mutation($i: CreateAccountInput!) { createAccount(input: $i) { id } }',
      variables: {
        i: {
          email: `m${Math.random().toString(36).slice(2)}@test.local`,
          displayName: 'Matrix',
          password: 'a-long-password-1',
          role: who === 'PLATFORM_ADMIN' ? 'ADMIN' : 'VIEWER',
          ministryId: m(kp2mi.id),
        },
      },
    }),
    updateAccount: async (who) => {
      if (who === 'PLATFORM_ADMIN') {
        const target = em.create(Account, {
          email: `a${Math.random().toString(36).slice(2)}@test.local`,
          displayName: 'Admin to rename',
          passwordHash: 'x',
          role: Role.ADMIN,
          ministry: kp2mi,
        });
        await em.flush();
        return {
          query: 'mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { id } }',
          variables: { i: { id: toGlobalId('Account', target.id), displayName: 'Renamed admin' } },
        };
      }
      const created = expectOk(
        await admin.exec(ops.CreateAccountDocument, {
          input: { email: `u${Math.random().toString(36).slice(2)}@test.local`, displayName: 'To update', password: 'a-long-password-1', role: 'VIEWER' },
        }),
      ).createAccount;
      return { query: 'mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { id } }', variables: { i: { id: created.id, displayName: 'Updated' } } };
    },
    createMinistry: async () => ({
      query: 'mutation($i: CreateMinistryInput!) { createMinistry(input: $i) { id } }',
      variables: { i: { code: `M${Math.random().toString(36).slice(2, 8).toUpperCase()}`, name: 'Kementerian Matriks', nameEn: 'Ministry of Matrices' } },
    }),
    updateMinistry: async () => ({
      query: 'mutation($i: UpdateMinistryInput!) { updateMinistry(input: $i) { id } }',
      variables: { i: { id: m(perin.id), nameEn: `Ministry of Industry (${Math.random().toString(36).slice(2, 6)})` } },
    }),
    // A new code every call (XA, XB, …): each call is a real change.
    upsertDestinationCountry: async () => ({
      query: 'mutation($i: DestinationCountryInput!) { upsertDestinationCountry(input: $i) { code } }',
      variables: { i: { code: `X${String.fromCharCode(65 + (countries++ % 26))}`, nameEn: 'Testland', nameId: 'Negeri Uji' } },
    }),
  };
  return { clients, OPS };
}
