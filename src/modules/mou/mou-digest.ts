/**
 * What a signature binds to (issue 29): the SHA-256 of the exact terms the
 * signer read. A signer sends back the `digest` of the draft or amendment it
 * reviewed; any other content — a draft edited since, an amendment withdrawn
 * and proposed anew in the same request — has another digest and is not
 * signed. Canonical JSON (RFC 8785) of a versioned shape, so the digest is the
 * same whoever computes it, and lists are sorted: their order carries nothing.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { present } from '../../shared/present';
import type { MouAmendment } from './mou-amendment.entity';
import type { MouSnapshot } from './mou-version.entity';

const sha256 = (value: unknown) =>
  createHash('sha256')
    .update(present(canonicalize(value), 'a canonical form'))
    .digest('hex');

const sortedBy = <T>(items: readonly T[], key: (t: T) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** The terms of an MoU as a version records them: what the parties sign, without who has signed so far. */
export function termsDigest(mouId: string, s: Omit<MouSnapshot, 'status' | 'signedBy' | 'amendment'>): string {
  const clauses = s.clauses.map((c) => ({ ...c, resourceTypes: [...c.resourceTypes].sort() }));
  return sha256({
    v: 1,
    mou: mouId,
    terms: {
      title: s.title,
      documentNumber: s.documentNumber,
      scope: s.scope,
      validFrom: s.validFrom,
      validUntil: s.validUntil,
      documentHash: s.documentHash,
      followUpDueDate: s.followUpDueDate,
      partyMinistryIds: [...s.partyMinistryIds].sort(),
      clauses: sortedBy(clauses, (c) => JSON.stringify(c)),
    },
  });
}

/** An amendment as proposed: its own id and number, so a withdrawn one proposed again is another text to sign. */
export function amendmentDigest(a: Pick<MouAmendment, 'id' | 'number' | 'reason' | 'proposal'> & { mou: { id: string } }): string {
  return sha256({ v: 1, mou: a.mou.id, amendment: a.id, number: a.number, reason: a.reason, proposal: a.proposal });
}
