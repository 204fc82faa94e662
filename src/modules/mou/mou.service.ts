/**
 * The MoU workflow: a ministry drafts (DRAFT, editable by its drafter), each
 * party's ADMIN signs, and when all have signed it is ACTIVE; it reads as
 * EXPIRED after its window (no job), a party's ADMIN can terminate it, and a
 * signed MoU changes only by an amendment. Every step appends a MouVersion
 * with the content as it then stood.
 */
import { LockMode } from '@mikro-orm/core';
import type { Context } from '../../context';
import { MouStatus } from '../../shared/enums';
import { badUserInput, conflict, notWritable } from '../../shared/errors';
import { fromGlobalId } from '../../shared/global-id';
import { flushOrExplain } from '../../shared/owned-crud';
import { Ministry } from '../ministry/ministry.entity';
import type { AmendMouInput, ClauseInput, CreateMouInput, UpdateMouDraftInput } from './mou.inputs';
import { DataSharingClause, Mou, MouEvent, MouParty, MouVersion, todayInJakarta, type MouSnapshot } from './mou.entity';

interface ResolvedClause { provider: string; recipient: string; input: ClauseInput }

async function resolveParties(ctx: Context, globalIds: string[], field: string): Promise<string[]> {
  const ids = globalIds.map((g, i) => fromGlobalId(g, 'Ministry', `${field}.${i}`));
  const own = ctx.scope.ownMinistry!;
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

/** Appends the next version with the MoU's content as it now stands. */
async function recordVersion(ctx: Context, mou: Mou, event: MouEvent, reason: string | null = null): Promise<void> {
  const [parties, clauses, last] = await Promise.all([
    ctx.em.find(MouParty, { mou }, { orderBy: { id: 'asc' } }),
    ctx.em.find(DataSharingClause, { mou, retiredAt: null }, { orderBy: { id: 'asc' } }),
    ctx.em.findOne(MouVersion, { mou }, { orderBy: { number: 'desc' } }),
  ]);
  const snapshot: MouSnapshot = {
    title: mou.title, documentNumber: mou.documentNumber ?? null, scope: mou.scope, validFrom: mou.validFrom, validUntil: mou.validUntil,
    documentHash: mou.documentHash ?? null, followUpDueDate: mou.followUpDueDate ?? null, status: mou.statusOn(todayInJakarta()),
    partyMinistryIds: parties.map((p) => p.ministry.id),
    signedBy: parties.filter((p) => p.signedAt).map((p) => p.ministry.id),
    clauses: clauses.map((c) => ({ providerMinistryId: c.providerMinistry.id, recipientMinistryId: c.recipientMinistry.id, resourceTypes: c.resourceTypes, includesPersonalData: c.includesPersonalData, purpose: c.purpose })),
  };
  ctx.em.create(MouVersion, {
    mou, number: (last?.number ?? 0) + 1, event, reason, snapshot,
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
  if (!mou.partyMinistryIds.includes(ctx.scope.ownMinistry!)) throw notWritable(field);
}

export async function createMou(ctx: Context, input: CreateMouInput): Promise<Mou> {
  assertWindow(input.validFrom, input.validUntil, 'input.validUntil');
  const parties = await resolveParties(ctx, input.partyMinistryIds, 'input.partyMinistryIds');
  const clauses = resolveClauses(input.clauses, parties, 'input.clauses');
  const mou = ctx.em.create(Mou, {
    ownerMinistry: ctx.em.getReference(Ministry, ctx.scope.ownMinistry!),
    title: input.title, documentNumber: input.documentNumber ?? null, scope: input.scope, validFrom: input.validFrom, validUntil: input.validUntil,
    followUpDueDate: input.followUpDueDate ?? null, documentHash: input.documentHash ?? null, partyMinistryIds: parties,
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
  if (input.expectedVersion != null && input.expectedVersion !== mou.version) throw conflict(`The MoU is at version ${mou.version}, not ${input.expectedVersion}.`, 'input.expectedVersion');
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

export async function signMou(ctx: Context, globalId: string, signatoryName: string, signatoryTitle: string): Promise<Mou> {
  const mou = await loadForUpdate(ctx, globalId, 'id');
  assertParty(ctx, mou, 'id');
  if (mou.recordedStatus !== MouStatus.DRAFT) throw conflict(`The MoU is ${mou.statusOn(todayInJakarta())}; only drafts are signed.`, 'id');
  const parties = await ctx.em.find(MouParty, { mou });
  const mine = parties.find((p) => p.ministry.id === ctx.scope.ownMinistry)!;
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

export async function amendMou(ctx: Context, input: AmendMouInput): Promise<Mou> {
  const mou = await loadForUpdate(ctx, input.id, 'input.id');
  assertParty(ctx, mou, 'input.id');
  const status = mou.statusOn(todayInJakarta());
  if (status !== MouStatus.ACTIVE) throw conflict(`Only an ACTIVE MoU can be amended; this one is ${status}.`, 'input.id');
  if (input.validUntil) assertWindow(mou.validFrom, input.validUntil, 'input.validUntil');
  const clauses = input.clauses ? resolveClauses(input.clauses, mou.partyMinistryIds, 'input.clauses') : null;
  for (const key of ['scope', 'validUntil', 'followUpDueDate', 'documentHash'] as const) {
    if (input[key] !== undefined) (mou as unknown as Record<string, unknown>)[key] = input[key];
  }
  if (clauses) {
    const now = new Date();
    for (const c of await ctx.em.find(DataSharingClause, { mou, retiredAt: null })) c.retiredAt = now;
    addClauses(ctx, mou, clauses);
  }
  await flushOrExplain(ctx);
  await recordVersion(ctx, mou, MouEvent.AMENDED, input.reason);
  await flushOrExplain(ctx);
  return mou;
}

