/**
 * The digests a signer reads before signing (issue 29), computed for tests
 * whose subject is something else. test/sharing.test.ts and
 * test/consent.test.ts read them through the API, as a client does.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AmendmentStatus, MouAmendment } from '../../src/modules/mou/mou-amendment.entity';
import { DataSharingClause, Mou } from '../../src/modules/mou/mou.entity';
import { amendmentDigest } from '../../src/modules/mou/mou-digest';
import { digestOf } from '../../src/modules/mou/mou.service';
import { fromGlobalId } from '../../src/shared/global-id';

const rowId = (id: string) => (/^[0-9a-f-]{36}$/.test(id) ? id : fromGlobalId(id, 'Mou', 'id'));

/** The digest of an MoU's draft as it stands: what signMou wants. */
export async function draftDigest(em: EntityManager, id: string): Promise<string> {
  const mou = await em.fork().findOneOrFail(Mou, rowId(id));
  return digestOf(mou, await em.fork().find(DataSharingClause, { mou: mou.id }));
}

/** The digest of an MoU's pending amendment: what signMouAmendment wants (zeros when none is pending). */
export async function pendingDigest(em: EntityManager, id: string): Promise<string> {
  const pending = await em.fork().findOne(MouAmendment, { mou: rowId(id), status: AmendmentStatus.PENDING });
  return pending ? amendmentDigest(pending) : '0'.repeat(64);
}
