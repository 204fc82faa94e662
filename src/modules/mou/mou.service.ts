/**
 * The MoU workflow: a ministry drafts (DRAFT, editable by its drafter), each
 * party's ADMIN signs, and when all have signed it is ACTIVE; it reads as
 * EXPIRED after its window (no job), a party's ADMIN can terminate it, and a
 * signed MoU changes only by an amendment that every party's ADMIN signs (a
 * provider may narrow its own sharing at once). Every step appends a
 * MouVersion with the content as it then stood.
 *
 * Signing, amending and narrowing run as database functions (see the
 * amendments migration): they take the caller's ministry and role from the
 * sealed request scope, so the rule holds even for SQL that bypasses this
 * file. The checks here come first only to answer with clear errors.
 */
import { requireOwnMinistry } from '../../resource/guards';
import { LockMode } from '@mikro-orm/core';
import type { Context } from '../../context';
import { MouStatus } from '../../shared/enums';
import { badUserInput, conflict, forbidden, notWritable } from '../../shared/errors';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { flushOrExplain } from '../../resource/owned-crud';
import { Ministry } from '../../data/ministry.entity';
import type { AmendMouInput, ClauseInput, CreateMouInput, NarrowClauseInput, UpdateMouDraftInput } from './mou.inputs';
import { AmendmentStatus, MouAmendment, MouAmendmentSignature, type AmendmentProposal } from './mou-amendment.entity';
import { DataSharingClause, Mou, MouParty } from './mou.entity';
import { MouEvent, MouVersion, mouSnapshot, type MouSnapshot } from './mou-version.entity';
import { todayInJakarta } from '../../shared/time';
import { present } from '../../shared/present';
import { amendmentDigest, termsDigest } from './mou-digest';

interface ResolvedClause {
  provider: string;
  recipient: string;
  input: ClauseInput;
}

async function resolveParties(ctx: Context, globalIds: string[], field: string): Promise<string[]> {
  const ids = globalIds.map((g, i) => fromGlobalId(g, 'Ministry', `${field}.${i}`));
  const own = requireOwnMinistry(ctx);
  const all = [...new Set([own, ...ids])];
  if (all.length < 2) throw badUserInput('An MoU needs at least one party besides your ministry.', field);
  const found = await ctx.em.count(Ministry, { id: { $in: all } });
  if (found !== all.length) throw badUserInput('Unknown ministry among the parties.', field);
  return all;
}

function resolveClauses(clauses: ClauseInput[], parties: string[], field: string): ResolvedClause[] {
  return clauses.map((c, i) => {
    const provider = fromGlobalId(c.providerMinistryId, 'Ministry', `${field}.${i}.providerMinistryId`);
    const recipient = fromGlobalId(c.recipientMinistryId, 'Ministry', `${field}.${i}.recipientMinistryId`);
    if (!parties.includes(provider)) throw badUserInput('The provider must be a party to the MoU.', `${field}.${i}.providerMinistryId`);
    if (!parties.includes(recipient)) throw badUserInput('The recipient must be a party to the MoU.', `${field}.${i}.recipientMinistryId`);
    if (provider === recipient) throw badUserInput('A ministry does not share with itself.', `${field}.${i}.recipientMinistryId`);
    return { provider, recipient, input: c };
  });
}

function assertWindow(validFrom: string, validUntil: string, field: string) {
  if (validUntil <= validFrom) throw badUserInput('validUntil must be after validFrom.', field);
}

function addClauses(ctx: Context, mou: Mou, clauses: ResolvedClause[]) {
  for (const c of clauses) {
    ctx.em.create(DataSharingClause, {
      mou,
      providerMinistry: ctx.em.getReference(Ministry, c.provider),
      recipientMinistry: ctx.em.getReference(Ministry, c.recipient),
      resourceTypes: [...new Set(c.input.resourceTypes)],
      includesPersonalData: c.input.includesPersonalData,
      purpose: c.input.purpose,
    });
  }
}

/** Appends the next version with the MoU's content as it now stands (and, for amendment events, the amendment's). */
async function recordVersion(ctx: Context, mou: Mou, event: MouEvent, reason: string | null = null, amendment?: MouAmendment): Promise<void> {
  const [parties, clauses, last] = await Promise.all([
    ctx.em.find(MouParty, { mou }, { orderBy: { id: 'asc' } }),
    ctx.em.find(DataSharingClause, { mou, retiredAt: null }, { orderBy: { id: 'asc' } }),
    ctx.em.findOne(MouVersion, { mou }, { orderBy: { number: 'desc' } }),
  ]);
  const snapshot: MouSnapshot = mouSnapshot(
    mou,
    mou.statusOn(todayInJakarta()),
    parties.map((p) => p.ministry.id),
    parties.filter((p) => p.signedAt).map((p) => p.ministry.id),
    clauses,
  );
  if (amendment) {
    const signatures = await ctx.em.find(MouAmendmentSignature, { amendment }, { orderBy: { signedAt: 'asc', id: 'asc' } });
    snapshot.amendment = { number: amendment.number, status: amendment.status, proposal: amendment.proposal, signedBy: signatures.map((x) => x.ministry.id) };
  }
  ctx.em.create(MouVersion, {
    mou,
    number: (last?.number ?? 0) + 1,
    event,
    reason,
    snapshot,
    actorAccountId: ctx.viewer?.accountId ?? null,
    actorMinistry: ctx.scope.ownMinistry ? ctx.em.getReference(Ministry, ctx.scope.ownMinistry) : null,
  });
}

/**
 * The MoU, locked for this transaction so that concurrent signatures are
 * serialised. Outside the caller's read scope it answers like a missing id.
 */
async function loadForUpdate(ctx: Context, globalId: string, field: string): Promise<Mou> {
  const id = fromGlobalId(globalId, 'Mou', field);
  const mou = await ctx.em.findOne(Mou, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!mou) throw notWritable(field);
  return mou;
}

function assertParty(ctx: Context, mou: Mou, field: string) {
  if (!mou.partyMinistryIds.includes(requireOwnMinistry(ctx))) throw notWritable(field);
}

export async function createMou(ctx: Context, input: CreateMouInput): Promise<Mou> {
  assertWindow(input.validFrom, input.validUntil, 'input.validUntil');
  const parties = await resolveParties(ctx, input.partyMinistryIds, 'input.partyMinistryIds');
  const clauses = resolveClauses(input.clauses, parties, 'input.clauses');
  const mou = ctx.em.create(Mou, {
    ownerMinistry: ctx.em.getReference(Ministry, requireOwnMinistry(ctx)),
    title: input.title,
    documentNumber: input.documentNumber ?? null,
    scope: input.scope,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    followUpDueDate: input.followUpDueDate ?? null,
    documentHash: input.documentHash ?? null,
    partyMinistryIds: parties,
  });
  for (const p of parties) ctx.em.create(MouParty, { mou, ministry: ctx.em.getReference(Ministry, p) });
  addClauses(ctx, mou, clauses);
  await flushOrExplain(ctx);
  await recordVersion(ctx, mou, MouEvent.CREATED);
  await flushOrExplain(ctx);
  return mou;
}

export async function updateMouDraft(ctx: Context, input: UpdateMouDraftInput): Promise<Mou> {
  const mou = await loadForUpdate(ctx, input.id, 'input.id');
  if (!ctx.scope.canWrite(mou.ownerMinistry.id)) throw notWritable('input.id');
  if (mou.recordedStatus !== MouStatus.DRAFT) throw conflict('A signed MoU changes only by an amendment (amendMou).', 'input.id');
  if (input.expectedVersion != null && input.expectedVersion !== mou.version)
    throw conflict(`The MoU is at version ${mou.version}, not ${input.expectedVersion}.`, 'input.expectedVersion');
  assertWindow(input.validFrom ?? mou.validFrom, input.validUntil ?? mou.validUntil, 'input.validUntil');
  const parties = input.partyMinistryIds ? await resolveParties(ctx, input.partyMinistryIds, 'input.partyMinistryIds') : mou.partyMinistryIds;
  const existing = await ctx.em.find(DataSharingClause, { mou });
  const clauses = input.clauses ? resolveClauses(input.clauses, parties, 'input.clauses') : [];
  if (!input.clauses && existing.some((c) => !parties.includes(c.providerMinistry.id) || !parties.includes(c.recipientMinistry.id))) {
    throw badUserInput('A clause names a ministry that would no longer be a party; change the clauses too.', 'input.partyMinistryIds');
  }
  for (const key of ['title', 'documentNumber', 'scope', 'validFrom', 'validUntil', 'followUpDueDate', 'documentHash'] as const) {
    if (input[key] !== undefined) (mou as unknown as Record<string, unknown>)[key] = input[key];
  }
  // Any change to a draft voids the signatures given so far: they were for other content.
  const partyRows = await ctx.em.find(MouParty, { mou });
  for (const row of partyRows) {
    if (!parties.includes(row.ministry.id)) ctx.em.remove(row);
    else Object.assign(row, { signedAt: null, signatoryName: null, signatoryTitle: null });
  }
  for (const p of parties) if (!partyRows.some((r) => r.ministry.id === p)) ctx.em.create(MouParty, { mou, ministry: ctx.em.getReference(Ministry, p) });
  mou.partyMinistryIds = parties;
  if (input.clauses) {
    existing.forEach((c) => ctx.em.remove(c));
    addClauses(ctx, mou, clauses);
  }
  await flushOrExplain(ctx);
  await recordVersion(ctx, mou, MouEvent.EDITED);
  await flushOrExplain(ctx);
  return mou;
}

/** The digest of an MoU's terms as they stand (see mou-digest.ts): its clauses not retired, its parties, its window. */
export function digestOf(mou: Mou, clauses: DataSharingClause[]): string {
  return termsDigest(
    mou.id,
    mouSnapshot(
      mou,
      mou.statusOn(todayInJakarta()),
      mou.partyMinistryIds,
      [],
      clauses.filter((c) => !c.retiredAt),
    ),
  );
}

export async function signMou(ctx: Context, globalId: string, digest: string, signatoryName: string, signatoryTitle: string): Promise<Mou> {
  const mou = await loadForUpdate(ctx, globalId, 'id');
  assertParty(ctx, mou, 'id');
  if (mou.recordedStatus !== MouStatus.DRAFT) throw conflict(`The MoU is ${mou.statusOn(todayInJakarta())}; only drafts are signed.`, 'id');
  // Under the lock taken above: the draft cannot change between this comparison and the signature.
  if (digestOf(mou, await ctx.em.find(DataSharingClause, { mou })) !== digest)
    throw conflict('The draft is not the one whose digest you sent: it was edited since you read it. Read it again, then sign its digest.', 'digest');
  const parties = await ctx.em.find(MouParty, { mou });
  const mine = present(
    parties.find((p) => p.ministry.id === ctx.scope.ownMinistry),
    "the caller's party row",
  );
  if (mine.signedAt) throw conflict('Your ministry has signed this MoU already.', 'id');
  Object.assign(mine, { signedAt: new Date(), signatoryName, signatoryTitle });
  await flushOrExplain(ctx);
  await recordVersion(ctx, mou, MouEvent.SIGNED);
  if (parties.every((p) => p.signedAt)) {
    mou.recordedStatus = MouStatus.ACTIVE;
    await flushOrExplain(ctx);
    await recordVersion(ctx, mou, MouEvent.ACTIVATED);
  }
  await flushOrExplain(ctx);
  return mou;
}

export async function terminateMou(ctx: Context, globalId: string, reason: string): Promise<Mou> {
  const mou = await loadForUpdate(ctx, globalId, 'id');
  assertParty(ctx, mou, 'id');
  const status = mou.statusOn(todayInJakarta());
  if (status !== MouStatus.ACTIVE) throw conflict(`Only an ACTIVE MoU can be terminated; this one is ${status}.`, 'id');
  Object.assign(mou, { recordedStatus: MouStatus.TERMINATED, terminatedAt: new Date(), terminationReason: reason });
  await flushOrExplain(ctx);
  await recordVersion(ctx, mou, MouEvent.TERMINATED, reason);
  await flushOrExplain(ctx);
  return mou;
}

/**
 * Runs one of the database's MoU workflow functions, turning its refusals
 * into API errors. They re-check what the API checked before, against the
 * sealed request scope; reaching one of these errors means the two disagree.
 */
async function workflow<T>(ctx: Context, sql: string, params: unknown[], field: string): Promise<T> {
  try {
    const [row] = await ctx.em.execute<{ r: T }[]>(sql, params);
    return row.r;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message =
      String((e as Error).message)
        .split(' - ')
        .pop() ?? '';
    if (code === '42501') throw forbidden(`The database refused: ${message}.`, 'mou:party-admin', field);
    if (code === '55000' || code === '23505') throw conflict(`The database refused: ${message}.`, field);
    if (code === '22023' || code === '22P02' || code === '22007' || code === '22008') throw badUserInput(`The database refused: ${message}.`, field);
    throw e;
  }
}

/** The MoU's amendment awaiting signatures, if any. */
export const pendingAmendment = (ctx: Context, mou: Mou) => ctx.em.findOne(MouAmendment, { mou, status: AmendmentStatus.PENDING });

/** An MoU in force that the caller's ministry is a party to, locked; or the error that says why not. */
async function loadInForce(ctx: Context, globalId: string, field: string, what: string): Promise<Mou> {
  const mou = await loadForUpdate(ctx, globalId, field);
  assertParty(ctx, mou, field);
  const status = mou.statusOn(todayInJakarta());
  if (status !== MouStatus.ACTIVE || !mou.inForceOn(todayInJakarta())) throw conflict(`Only an MoU in force ${what}; this one is ${status}.`, field);
  return mou;
}

/**
 * Proposes an amendment (ADMIN of a party): a new version that takes effect
 * only once every party's ADMIN has signed it. Proposing is the proposer's
 * signature. The terms in force meanwhile stay exactly the signed ones.
 */
export async function amendMou(ctx: Context, input: AmendMouInput): Promise<Mou> {
  const mou = await loadInForce(ctx, input.id, 'input.id', 'is amended');
  if (input.validUntil) assertWindow(mou.validFrom, input.validUntil, 'input.validUntil');
  const clauses = input.clauses ? resolveClauses(input.clauses, mou.partyMinistryIds, 'input.clauses') : null;
  if (await pendingAmendment(ctx, mou)) throw conflict('This MoU has a pending amendment already: sign, reject or withdraw it first.', 'input.id');
  const proposal: AmendmentProposal = {};
  for (const key of ['title', 'scope', 'validUntil', 'followUpDueDate', 'documentHash'] as const) {
    if (input[key] !== undefined) (proposal as Record<string, unknown>)[key] = input[key];
  }
  if (clauses) {
    proposal.clauses = clauses.map((c) => ({
      providerMinistryId: c.provider,
      recipientMinistryId: c.recipient,
      resourceTypes: [...new Set(c.input.resourceTypes)],
      includesPersonalData: c.input.includesPersonalData,
      purpose: c.input.purpose,
    }));
  }
  if (Object.keys(proposal).length === 0)
    throw badUserInput('An amendment changes something: give new clauses, a validUntil, a title, a scope, a follow-up date or a document hash.', 'input');
  const id = await workflow<string>(
    ctx,
    'select sinergi_propose_amendment(?, ?, ?::jsonb, ?, ?) as r',
    [mou.id, input.reason, JSON.stringify(proposal), input.signatoryName?.trim() || null, input.signatoryTitle?.trim() || null],
    'input.id',
  );
  const amendment = await ctx.em.findOneOrFail(MouAmendment, { id });
  // The database function wrote these rows, past the ORM's change tracking: the audit event names them.
  ctx.mutation.note = { amendment: { id, number: amendment.number, status: amendment.status, proposal } };
  await recordVersion(ctx, mou, MouEvent.AMENDMENT_PROPOSED, input.reason, amendment);
  await flushOrExplain(ctx);
  return mou;
}

/** Signs the pending amendment for the caller's ministry (ADMIN of a party); the last signature puts it in force. */
export async function signMouAmendment(ctx: Context, globalId: string, digest: string, signatoryName: string, signatoryTitle: string): Promise<Mou> {
  const mou = await loadInForce(ctx, globalId, 'id', 'has amendments signed');
  const amendment = await pendingAmendment(ctx, mou);
  if (!amendment) throw conflict('No amendment of this MoU awaits signatures.', 'id');
  if (amendmentDigest(amendment) !== digest)
    throw conflict(
      'The pending amendment is not the one whose digest you sent: it was withdrawn or replaced since you read it. Read it again, then sign its digest.',
      'digest',
    );
  if (await ctx.em.count(MouAmendmentSignature, { amendment, ministry: requireOwnMinistry(ctx) }))
    throw conflict('Your ministry has signed this amendment already.', 'id');
  const outcome = await workflow<string>(ctx, 'select sinergi_sign_amendment(?, ?, ?) as r', [mou.id, signatoryName, signatoryTitle], 'id');
  await ctx.em.refresh(mou);
  await ctx.em.refresh(amendment);
  ctx.mutation.note = {
    amendment: {
      id: amendment.id,
      number: amendment.number,
      signedFor: ctx.scope.ownMinistry,
      outcome,
      ...(outcome === 'APPLIED' ? { applied: amendment.proposal } : {}),
    },
  };
  await recordVersion(ctx, mou, MouEvent.AMENDMENT_SIGNED, null, amendment);
  if (outcome === 'APPLIED') await recordVersion(ctx, mou, MouEvent.AMENDED, amendment.reason, amendment);
  await flushOrExplain(ctx);
  return mou;
}

/** Ends the pending amendment: the proposer withdraws it, any other party rejects it. */
export async function endMouAmendment(
  ctx: Context,
  globalId: string,
  decision: AmendmentStatus.REJECTED | AmendmentStatus.WITHDRAWN,
  reason: string,
): Promise<Mou> {
  const mou = await loadInForce(ctx, globalId, 'id', 'has amendments decided');
  const amendment = await pendingAmendment(ctx, mou);
  if (!amendment) throw conflict('No amendment of this MoU is pending.', 'id');
  const proposer = amendment.proposedByMinistry.id === ctx.scope.ownMinistry;
  if (decision === AmendmentStatus.WITHDRAWN && !proposer)
    throw forbidden('Only the party that proposed an amendment withdraws it; reject it instead.', 'mou:amendment-proposer', 'id');
  if (decision === AmendmentStatus.REJECTED && proposer) throw forbidden('You proposed this amendment: withdraw it instead.', 'mou:amendment-proposer', 'id');
  await workflow<null>(ctx, 'select sinergi_end_amendment(?, ?, ?) as r', [mou.id, decision, reason], 'id');
  await ctx.em.refresh(amendment);
  ctx.mutation.note = { amendment: { id: amendment.id, number: amendment.number, status: decision, reason } };
  await recordVersion(ctx, mou, decision === AmendmentStatus.REJECTED ? MouEvent.AMENDMENT_REJECTED : MouEvent.AMENDMENT_WITHDRAWN, reason, amendment);
  await flushOrExplain(ctx);
  return mou;
}

/**
 * Withdrawing consent, at once (ADMIN of the providing ministry): drop
 * resource types or personal data from a clause your ministry provides, or
 * the whole clause. Narrowing needs no other signature; widening always does.
 */
export async function narrowMouClause(ctx: Context, input: NarrowClauseInput): Promise<Mou> {
  const clauseId = fromGlobalId(input.clauseId, 'DataSharingClause', 'input.clauseId');
  const clause = await ctx.em.findOne(DataSharingClause, { id: clauseId, retiredAt: null });
  if (!clause || clause.providerMinistry.id !== ctx.scope.ownMinistry) throw notWritable('input.clauseId');
  const keep = input.keepResourceTypes ?? null;
  if (keep && keep.some((t) => !clause.resourceTypes.includes(t)))
    throw badUserInput('Keep only resource types the clause shares now: narrowing never widens.', 'input.keepResourceTypes');
  if (input.includesPersonalData === true && !clause.includesPersonalData)
    throw badUserInput('Personal data can only be switched off here; switching it on needs an amendment.', 'input.includesPersonalData');
  const narrower = (keep && new Set(keep).size < clause.resourceTypes.length) || (input.includesPersonalData === false && clause.includesPersonalData);
  if (!narrower) throw badUserInput('Nothing to narrow: keep fewer resource types, or switch personal data off.', 'input');
  const mou = await loadForUpdate(ctx, toGlobalIdOf(clause.mou.id), 'input.clauseId');
  if (mou.recordedStatus !== MouStatus.ACTIVE) throw conflict("Only a signed MoU's clauses are narrowed; edit a draft with updateMouDraft.", 'input.clauseId');
  const replacement = await workflow<string | null>(
    ctx,
    'select sinergi_narrow_clause(?, ?::text[], ?) as r',
    [clause.id, keep ? `{${keep.join(',')}}` : null, input.includesPersonalData ?? null],
    'input.clauseId',
  );
  ctx.mutation.note = {
    narrowed: { clauseId: clause.id, replacedBy: replacement, keepResourceTypes: keep, includesPersonalData: input.includesPersonalData ?? null },
  };
  await ctx.em.refresh(mou);
  await recordVersion(ctx, mou, MouEvent.NARROWED, input.reason);
  await flushOrExplain(ctx);
  return mou;
}

const toGlobalIdOf = (mouId: string) => toGlobalId('Mou', mouId);
