import { requireOwnMinistry } from '../../resource/guards';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Extensions, Arg, Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { inclusionProof } from '../audit/log/merkle';
import { inRequest, readEntriesOf, withTree } from '../audit/log/log-store';
import { FIELD_COST } from '../../shared/query-limits';
import type { Context } from '../../context';
import { ResourceType } from '../../shared/enums';
import type { Resource } from '../../resource/resource';
import { badUserInput } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';
import { Ministry } from '../../data/ministry.entity';
import { DataSharingClause, Mou } from '../mou/mou.entity';
import { parseNik } from '../trainee/nik';
import { PersonalDataRead } from './personal-data-read.entity';
import { ApiClient } from '../api-client/api-client.entity';

@ObjectType({ simpleResolvers: true })
class SubjectRecord {
  @Field(() => ResourceType) resourceType!: ResourceType;
  @Field(() => ID, { description: 'Global id of your record about this person.' }) id!: string;
}

@ObjectType({
  simpleResolvers: true,
  description: "That a read is in the audit log: its leaf, the read log's row its digest is of, and the leaf's inclusion proof.",
})
class ReadInclusionProof {
  @Field(() => ID, { description: 'The read (its id in the read log).' }) readId!: string;
  @Field(() => Int, { description: "The leaf's index in the log's tree." }) leafIndex!: number;
  @Field(() => String, { description: "The leaf's bytes, base64." }) leaf!: string;
  @Field(() => GraphQLJSONObject, { description: "The read log's row, as the leaf's digest is of it (docs/audit.md)." }) content!: Record<string, unknown>;
  @Field(() => [String], { description: 'The inclusion proof (RFC 9162): base64 hashes, leaf side first.' }) hashes!: string[];
}

@ObjectType({
  simpleResolvers: true,
  description:
    "The reads of a report proven in the audit log: a checkpoint signed by the log (with its witnesses' cosignatures), and each read's inclusion in it. Anyone checks it with the log's public key: `npx ./clients/audit-verify --report`.",
})
class DataSubjectLogProof {
  @Field(() => String, { description: 'The signed checkpoint (a C2SP signed note) the proofs are against.' }) checkpoint!: string;
  @Field(() => [ReadInclusionProof], { nullable: true, description: "One per read of the report in that checkpoint's tree." }) reads!: ReadInclusionProof[];
  @Field(() => Int, { description: 'Reads of the report not in the tree yet (they join it within seconds).' }) pending!: number;
}

@ObjectType({ simpleResolvers: true, description: "UU 27/2022: which other ministries read a person's data, when, and under which MoU clause." })
class DataSubjectAccessReport {
  @Field(() => String) nik!: string;
  @Field(() => [SubjectRecord], { description: "Your ministry's records with this NIK." }) records!: SubjectRecord[];
  @Field(() => [PersonalDataRead], { description: 'Reads of their full personal data by other ministries, oldest first.' }) reads!: PersonalDataRead[];
}

/** The records that hold a data subject's NIK: each resource's field the declarations mark `identifiesSubject`. */
function subjectLookups(resources: readonly Resource[]) {
  return resources.flatMap((r) =>
    Object.entries(r.fields ?? {}).flatMap(([key, f]) =>
      f.identifiesSubject && r.node && r.owned?.clause ? [{ entity: r.node, name: r.name, key, resourceType: r.owned.clause }] : [],
    ),
  );
}

/** The data-subject access report, over every resource that records a person's NIK. */
export function personalDataResolver(resources: readonly Resource[]) {
  const lookups = subjectLookups(resources);
  // A read-log row names its record's resource type; its global id needs the type's name.
  const typeName = new Map(resources.flatMap((r) => (r.owned?.clause ? [[r.owned.clause, r.name] as const] : [])));

  @Resolver(() => PersonalDataRead)
  class PersonalDataResolver {
    @Extensions({ cost: FIELD_COST.dataSubjectAccessReport })
    @Query(() => DataSubjectAccessReport, { nullable: true, description: 'For the owner ministry: who read the personal data of the person with this NIK.' })
    async dataSubjectAccessReport(@Arg('nik', () => String) nik: string, @Ctx() ctx: Context): Promise<DataSubjectAccessReport> {
      const parsed = parseNik(nik);
      if (typeof parsed === 'string') throw badUserInput(`${parsed}.`, 'nik');
      const own = requireOwnMinistry(ctx);
      const found = await Promise.all(
        lookups.map(async (l) => ({ l, rows: (await ctx.em.find(l.entity, { [l.key]: nik, ownerMinistry: own } as never)) as { id: string }[] })),
      );
      const records = found.flatMap(({ l, rows }) => rows.map((row) => ({ resourceType: l.resourceType, id: toGlobalId(l.name, row.id) })));
      const ids = found.flatMap(({ rows }) => rows.map((r) => r.id));
      const reads = ids.length
        ? await ctx.em.find(PersonalDataRead, { ownerMinistry: own, recordId: { $in: ids } }, { orderBy: { readAt: 'asc', id: 'asc' } })
        : [];
      return { nik, records, reads };
    }

    @FieldResolver(() => ID, { description: "The read's id in the read log: its leaf in the audit log names it (`logProof`)." })
    readId(@Root() r: PersonalDataRead) {
      return r.id;
    }

    @FieldResolver(() => ID, { description: 'Global id of the record read.' })
    recordId(@Root() r: PersonalDataRead) {
      return toGlobalId(typeName.get(r.resourceType) ?? r.resourceType, r.recordId);
    }

    @FieldResolver(() => Ministry)
    readerMinistry(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(Ministry).load(r.readerMinistry.id);
    }

    @FieldResolver(() => ApiClient, {
      nullable: true,
      description: "The reader ministry's client app that made the read with its own credentials; null when a person did.",
    })
    readerApiClient(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(ApiClient).load(r.readerAccountId);
    }

    @FieldResolver(() => Mou, { nullable: true, description: 'The MoU the read was made under.' })
    mou(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(Mou).load(r.mou.id);
    }

    @FieldResolver(() => DataSharingClause, { nullable: true })
    clause(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(DataSharingClause).load(r.clause.id);
    }
  }
  @Resolver(() => DataSubjectAccessReport)
  class DataSubjectProofResolver {
    @FieldResolver(() => DataSubjectLogProof, {
      nullable: true,
      description: "The report's reads proven in the audit log against its newest signed checkpoint (null before the first).",
    })
    async logProof(@Root() report: DataSubjectAccessReport, @Ctx() ctx: Context): Promise<DataSubjectLogProof | null> {
      const published = await ctx.services.auditLog.published();
      if (!published) return null;
      const size = published.size;
      const sql = inRequest(ctx.em);
      const entries = (
        await readEntriesOf(
          sql,
          report.reads.map((r) => r.id),
        )
      ).filter((e) => e.index < size && e.content);
      const proofs = await withTree(sql, size, (read) => entries.map((e) => inclusionProof(read, e.index, size)));
      return {
        checkpoint: published.note,
        pending: report.reads.length - entries.length,
        reads: entries.map((e, i) => ({
          readId: e.ref,
          leafIndex: e.index,
          leaf: e.data.toString('base64'),
          content: e.content as Record<string, unknown>,
          hashes: proofs[i].map((h) => h.toString('base64')),
        })),
      };
    }
  }
  return [PersonalDataResolver, DataSubjectProofResolver];
}
