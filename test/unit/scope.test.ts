import { describe, expect, it } from 'vitest';
import { Role } from '../../src/access/roles';
import { Scope } from '../../src/access/scope';

const A = '01a00000-0000-7000-8000-00000000000a';
const B = '01a00000-0000-7000-8000-00000000000b';

describe("Scope from the database's read lists", () => {
  it("takes each resource's readable ministries as sinergi_begin_request derived them", () => {
    const grant = { clauseId: 'c', mouId: 'm', providerMinistryId: B, resources: ['Trainee' as const], includesPersonalData: true };
    const s = Scope.fromDatabase({ accountId: 'x', ministryId: A, role: Role.VIEWER }, { Trainee: [A, B], Institution: [A], Mou: [A] }, [], [grant]);
    expect(s.readMinistries('Trainee')).toEqual([A, B]);
    expect(s.readMinistries('Institution')).toEqual([A]);
    expect(s.readMinistries('Program')).toEqual([]);
    expect(s.readReason('Trainee', B)).toEqual({ rule: 'mou-clause', grant });
    expect(s.personalAccess('Trainee', B)).toEqual({ full: true, grant });
    expect(s.canWrite(A)).toBe(true);
    expect(s.canWrite(B)).toBe(false);
  });

  it('auditors read every MoU and nothing else; a pending account nothing at all', () => {
    const auditor = Scope.fromDatabase({ accountId: 'x', ministryId: null, role: Role.AUDITOR }, { Trainee: [], Mou: [] }, ['Mou'], []);
    expect(auditor.readMinistries('Mou')).toBeNull();
    expect(auditor.readMinistries('Trainee')).toEqual([]);
    expect(auditor.canWrite(A)).toBe(false);
    const pending = Scope.fromDatabase({ accountId: 'x', ministryId: A, role: Role.ADMIN, pending: true }, { Trainee: [] }, [], []);
    expect(pending.ownMinistry).toBeNull();
    expect(pending.readMinistries('Trainee')).toEqual([]);
  });
});
