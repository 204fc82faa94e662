/**
 * The permission matrix, as data: for every root query and mutation, what
 * each role gets — `A` allowed, `S` scoped (allowed, within its ministry and
 * the MoUs in force), `-` denied. Columns: VIEWER EDITOR ADMIN AUDITOR
 * PLATFORM_ADMIN; anonymous callers are denied everything but `login`,
 * `refreshToken` (whose refresh token proves the session) and `clientCredentialsToken`.
 * permission-matrix.test.ts executes every cell against the server, and fails
 * when the schema has a root field that is missing here.
 */
import { naming } from '../src/resource/naming';
import { OWNED_RESOURCES } from '../src/modules';

export const COLUMNS = ['VIEWER', 'EDITOR', 'ADMIN', 'AUDITOR', 'PLATFORM_ADMIN'] as const;

/** Every resource made from fields follows one rule: staff read it in their scope; EDITORs and ADMINs write their own. */
const GENERIC = OWNED_RESOURCES.filter((r) => r.fields).map((r) => r.name);
const OWNED_QUERIES = Object.fromEntries(GENERIC.flatMap((n) => [naming.list(n), naming.exportField(n)].map((q) => [q, 'S S S - -'])));
const OWNED_MUTATIONS = Object.fromEntries(GENERIC.flatMap((n) => [naming.create(n), naming.update(n), naming.delete(n)].map((m) => [m, '- S S - -'])));

export const MATRIX: Record<'query' | 'mutation', Record<string, string>> = {
  query: {
    ...OWNED_QUERIES,
    node: 'S S S S S',
    viewer: 'A A A A A',
    ministries: 'A A A A A',
    destinationCountries: 'A A A A A',
    mous: 'S S S S -',
    accounts: '- - S - S',
    dataSubjectAccessReport: 'S S S - -',
    explainAccess: 'S S S S S',
    accessMatrix: 'A A A A A',
    auditEvents: '- - S S -',
    statistics: 'S S S S -',
    verifyAuditLog: '- - - A -',
    auditCheckpoint: '- - - A -',
    auditLogCheckpoint: '- - - A -',
    auditInclusionProof: '- - - A -',
    auditConsistencyProof: '- - - A -',
    auditWitnesses: '- - A A -',
    auditLogEntries: '- - - A -',
    auditLogRangeProof: '- - - A -',
    auditLogIndexAt: '- - - A -',
    apiClients: '- - S - -',
    trustedDocuments: '- - S - -',
  },
  mutation: {
    ...OWNED_MUTATIONS,
    login: 'A A A A A',
    refreshToken: 'A A A A A',
    logout: 'A A A A A',
    createMou: '- S S - -',
    updateMouDraft: '- S S - -',
    signMou: '- - S - -',
    terminateMou: '- - S - -',
    amendMou: '- - S - -',
    signMouAmendment: '- - S - -',
    rejectMouAmendment: '- - S - -',
    withdrawMouAmendment: '- - S - -',
    narrowMouClause: '- - S - -',
    createAccount: '- - S - S',
    updateAccount: '- - S - S',
    approveAccount: '- - S - -',
    registerAuditWitness: '- - S S -',
    revokeAuditWitness: '- - S S -',
    createApiClient: '- - S - -',
    rotateApiClientSecret: '- - S - -',
    revokeApiClient: '- - S - -',
    setApiClientQuota: '- - S - -',
    registerTrustedDocuments: '- - S - -',
    requireTrustedDocuments: '- - S - -',
    clientCredentialsToken: 'A A A A A',
    createMinistry: '- - - - A',
    updateMinistry: '- - - - A',
    upsertDestinationCountry: '- S S - -',
    importCsv: '- S S - -',
  },
};

export type Cell = 'A' | 'S' | '-';
export const cells = (row: string): Cell[] => row.split(' ') as Cell[];

/** What an anonymous caller may call: the operations whose argument proves who it is. */
export const ANONYMOUS_ALLOWED: ReadonlySet<string> = new Set(['login', 'refreshToken', 'clientCredentialsToken']);
