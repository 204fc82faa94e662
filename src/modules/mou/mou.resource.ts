/**
 * MoUs: the agreements every sharing rests on. Owned by the drafting
 * ministry, read by every party (and by auditors, all of them); signed,
 * amended and ended only with every party's ADMIN (see mou.service.ts).
 */
import type { Context } from '../../context';
import { Role } from '../../access/roles';
import { subject, type Resource } from '../../resource/resource';
import { MouStatus } from '../../shared/enums';
import { DataSharingClause, Mou, MouParty } from './mou.entity';
import { MouAmendment, MouAmendmentSignature } from './mou-amendment.entity';
import { MouVersion } from './mou-version.entity';
import {
  DataSharingClauseResolver,
  MouAmendmentResolver,
  MouAmendmentSignatureResolver,
  MouPartyResolver,
  MouResolver,
  MouVersionResolver,
} from './mou.resolver';

const writer = { audience: 'writer', scoped: true, audit: subject.row('Mou') } as const;
const admin = { audience: 'admin', scoped: true, audit: subject.row('Mou') } as const;

export const mouResource: Resource = {
  name: 'Mou',
  entities: [Mou, MouParty, MouVersion, DataSharingClause, MouAmendment, MouAmendmentSignature],
  resolvers: [MouResolver, MouPartyResolver, MouVersionResolver, DataSharingClauseResolver, MouAmendmentResolver, MouAmendmentSignatureResolver],
  node: Mou,
  owned: { table: 'mou', readsAll: [Role.AUDITOR], partyColumn: 'party_ministry_ids' },
  queries: { mous: { audience: 'staff-or-auditor', scoped: true } },
  mutations: {
    createMou: writer,
    updateMouDraft: writer,
    signMou: admin,
    terminateMou: admin,
    amendMou: admin,
    signMouAmendment: admin,
    rejectMouAmendment: admin,
    withdrawMouAmendment: admin,
    narrowMouClause: admin,
  },
  itemRules: {
    // Every party reads the MoU, not only its drafter (the owner).
    parties: (row) => (row as Mou).partyMinistryIds,
    // The drafter edits the content only while it is a draft; after that each party's ADMIN signs, amends or ends it.
    write: (row, ctx: Context, decided) => {
      const m = row as Mou;
      const canWrite = decided.canWrite && m.recordedStatus === MouStatus.DRAFT;
      if (canWrite) return { canWrite, rule: 'mou:drafter-while-draft' };
      const partyAdmin = m.partyMinistryIds.includes(ctx.scope.ownMinistry ?? '') && ctx.viewer?.role === Role.ADMIN;
      return { canWrite: false, rule: partyAdmin ? 'mou:party-admin-signs-terminates-amends' : decided.rule };
    },
  },
};
