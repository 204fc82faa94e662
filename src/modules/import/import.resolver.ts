/**
 * `importCsv`: one mutation for every resource whose declaration has an
 * `importer` (resource/csv-import.ts does the work). `ImportKind` lists them.
 */
import { Extensions, Arg, Ctx, Field, Int, Mutation, ObjectType, registerEnumType, Resolver } from 'type-graphql';
import { FIELD_COST } from '../../shared/query-limits';
import { naming, sentence, words } from '../../resource/naming';
import type { Context } from '../../context';
import { importCsv, type ImportSpec } from '../../resource/csv-import';
import { subject, type MutationPolicy } from '../../resource/resource';
import { summariseChanges } from '../audit/audit.collector';

export enum ImportMode {
  ALL_OR_NOTHING = 'ALL_OR_NOTHING',
  GOOD_ROWS_ONLY = 'GOOD_ROWS_ONLY',
}
registerEnumType(ImportMode, {
  name: 'ImportMode',
  valuesConfig: {
    ALL_OR_NOTHING: { description: 'The default: one bad row and nothing is written; the report lists every problem.' },
    GOOD_ROWS_ONLY: { description: 'Good rows are written, bad rows reported.' },
  },
});

@ObjectType({ simpleResolvers: true })
class ImportRowError {
  @Field(() => Int, { description: 'Line in the file (the header is line 1).' }) line!: number;
  @Field(() => String) field!: string;
  @Field(() => String) message!: string;
}

@ObjectType({ simpleResolvers: true })
class ImportReport {
  @Field(() => Int) total!: number;
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int, { description: 'Rows identical to what is stored (a re-import changes nothing).' }) unchanged!: number;
  @Field(() => Int, { description: 'Rows with at least one problem.' }) failed!: number;
  @Field(() => Boolean, { description: 'Whether anything was written: a row created or changed (false when every row was already on file, or none could be).' })
  written!: boolean;
  @Field(() => [ImportRowError], { description: 'Every problem, by line and field (the first 1000).' }) errors!: ImportRowError[];
  @Field(() => Int, {
    description:
      "Rows left alone, neither written nor failed: another ministry's rows (a download carries those shared with you, masked where you may not read them).",
  })
  skipped!: number;
  @Field(() => [ImportRowError], { description: 'Why each row was skipped, by line (the first 1000).' }) skips!: ImportRowError[];
}

/** The import mutation over the declared importers. */
export function importResolver(specs: readonly ImportSpec[]) {
  const ImportKind = Object.fromEntries(specs.map((s) => [s.kind, s.kind]));
  // Each kind says what its file names other records by: the columns of relations.
  const describe = (s: ImportSpec) => {
    const relations = s.columns.filter((c) => /(ExternalId|Id)$/.test(c.name) && c.name !== 'externalId').map((c) => `\`${c.name}\``);
    return `${sentence(words(naming.list(s.entity.name)))}${relations.length ? ` (naming ${relations.join(', ')})` : ''}.`;
  };
  registerEnumType(ImportKind, {
    name: 'ImportKind',
    description: 'What a CSV file holds: one kind per importable resource.',
    valuesConfig: Object.fromEntries(specs.map((s) => [s.kind, { description: describe(s) }])),
  });
  const byKind = new Map(specs.map((s) => [s.kind, s]));

  @Resolver()
  class ImportResolver {
    @Extensions({ cost: FIELD_COST.importCsv })
    @Mutation(() => ImportReport, {
      nullable: true,
      description: `Import your ministry's records from CSV (EDITOR or ADMIN): ${specs.map((s) => s.kind.toLowerCase()).join(', ')}. Columns: see docs/clients.md; \`externalId\` identifies a row across re-imports.`,
    })
    importCsv(
      @Arg('kind', () => ImportKind) kind: string,
      @Arg('csv', () => String) csv: string,
      @Arg('mode', () => ImportMode, { nullable: true, defaultValue: ImportMode.ALL_OR_NOTHING }) mode: ImportMode | null,
      @Ctx() ctx: Context,
    ) {
      // The enum admits declared kinds only; the lookup cannot miss.
      const spec = byKind.get(kind) as ImportSpec;
      return importCsv(ctx, spec, csv, mode ?? ImportMode.ALL_OR_NOTHING, { onProgress: ctx.progress, beforeWrite: () => summariseChanges(ctx.em) });
    }
  }
  return ImportResolver;
}

/** Who may import, and what its audit event is about: the importing ministry's records of that kind. */
export const importPolicy = (specs: readonly ImportSpec[]): Record<string, MutationPolicy> => ({
  importCsv: {
    audience: 'writer',
    scoped: true,
    audit: subject.ownMinistry((args) => specs.find((s) => s.kind === args.kind)?.entity.name ?? String(args.kind)),
  },
});
