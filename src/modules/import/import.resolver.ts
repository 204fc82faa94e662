import { Arg, Ctx, Field, Int, Mutation, ObjectType, registerEnumType, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { importCsv } from './import.service';

export enum ImportKind {
  INSTITUTIONS = 'INSTITUTIONS',
  PROGRAMS = 'PROGRAMS',
  TRAINEES = 'TRAINEES',
}
registerEnumType(ImportKind, { name: 'ImportKind' });

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
  @Field(() => Boolean, { description: 'Whether anything was written.' }) written!: boolean;
  @Field(() => [ImportRowError], { description: 'Every problem, by line and field (the first 1000).' }) errors!: ImportRowError[];
}

@Resolver()
export class ImportResolver {
  @Mutation(() => ImportReport, {
    description: 'Import your ministry\'s institutions, programmes or trainees from CSV (EDITOR or ADMIN). Columns: see the README; `externalId` identifies a row across re-imports.',
  })
  importCsv(
    @Arg('kind', () => ImportKind) kind: ImportKind,
    @Arg('csv', () => String) csv: string,
    @Arg('mode', () => ImportMode, { nullable: true, defaultValue: ImportMode.ALL_OR_NOTHING }) mode: ImportMode | null,
    @Ctx() ctx: Context,
  ) {
    return importCsv(ctx, kind, csv, mode ?? ImportMode.ALL_OR_NOTHING, ctx.progress);
  }
}
