/**
 * The permission matrix, as data: for every root query and mutation, what
 * each role gets — `A` allowed, `S` scoped (allowed, within its ministry and
 * the MoUs in force), `-` denied. Columns: VIEWER EDITOR ADMIN AUDITOR
 * PLATFORM_ADMIN; anonymous callers are denied everything but `login` and
 * `refreshToken` (whose refresh token proves the session).
 * permission-matrix.test.ts executes every cell against the server, and fails
 * when the schema has a root field that is missing here.
 */
export const COLUMNS = ['VIEWER', 'EDITOR', 'ADMIN', 'AUDITOR', 'PLATFORM_ADMIN'] as const;

export const MATRIX: Record<'query' | 'mutation', Record<string, string>> = {
  query: {
    node: 'S S S S S',
    viewer: 'A A A A A',
    ministries: 'A A A A A',
    destinationCountries: 'A A A A A',
    institutions: 'S S S - -',
    programs: 'S S S - -',
    trainees: 'S S S - -',
    enrollments: 'S S S - -',
    returneeBusinesses: 'S S S - -',
    placements: 'S S S - -',
    mous: 'S S S S -',
    accounts: '- - S - S',
    dataSubjectAccessReport: 'S S S - -',
    explainAccess: 'S S S S S',
    accessMatrix: 'A A A A A',
    auditEvents: '- - S S -',
    statistics: 'S S S S -',
    institutionsCsv: 'S S S - -',
    programsCsv: 'S S S - -',
    traineesCsv: 'S S S - -',
    enrollmentsCsv: 'S S S - -',
    returneeBusinessesCsv: 'S S S - -',
    placementsCsv: 'S S S - -',
    verifyAuditLog: '- - - A -',
    auditCheckpoint: '- - - A -',
  },
  mutation: {
    login: 'A A A A A',
    refreshToken: 'A A A A A',
    logout: 'A A A A A',
    createInstitution: '- S S - -',
    updateInstitution: '- S S - -',
    deleteInstitution: '- S S - -',
    createProgram: '- S S - -',
    updateProgram: '- S S - -',
    deleteProgram: '- S S - -',
    createTrainee: '- S S - -',
    updateTrainee: '- S S - -',
    deleteTrainee: '- S S - -',
    createEnrollment: '- S S - -',
    updateEnrollment: '- S S - -',
    deleteEnrollment: '- S S - -',
    createReturneeBusiness: '- S S - -',
    updateReturneeBusiness: '- S S - -',
    deleteReturneeBusiness: '- S S - -',
    createPlacement: '- S S - -',
    updatePlacement: '- S S - -',
    deletePlacement: '- S S - -',
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
    createMinistry: '- - - - A',
    updateMinistry: '- - - - A',
    upsertDestinationCountry: '- S S - -',
    importCsv: '- S S - -',
  },
};

export type Cell = 'A' | 'S' | '-';
export const cells = (row: string): Cell[] => row.split(' ') as Cell[];

/** What an anonymous caller may call: the operations whose argument proves who it is. */
export const ANONYMOUS_ALLOWED: ReadonlySet<string> = new Set(['login', 'refreshToken']);
