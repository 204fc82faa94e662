import { Unique, Entity, Enum, Filter, Index, ManyToOne, Property, type Ref, type Opt } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { ProgramStatus, Sector } from '../../shared/enums';
import { Institution } from '../institution/institution.entity';
import { Node } from '../../kernel/node.interface';

/** A training programme of one institution; its owner is the institution's ministry (denormalised for filtering). */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('Program'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
// Children are read and counted per parent within the caller's scope: (parent, owner) serves both from the index alone.
@Index({ properties: ['institution', 'ownerMinistry'] })
@Unique({ properties: ['ownerMinistry', 'externalId'] })
export class Program extends OwnedEntity {
  @Field(() => String, {
    nullable: true,
    description: 'Your own stable id for this row (e.g. from the spreadsheet it came from); unique within your ministry, the key of CSV re-imports.',
  })
  @Property({ type: 'string', length: 100, nullable: true })
  externalId?: string | null;

  @ManyToOne({ entity: () => Institution, ref: true, deleteRule: 'restrict' })
  institution!: Ref<Institution>;

  @Field(() => String)
  @Property({ type: 'string' })
  title!: string;

  @Field(() => Sector)
  @Enum({ items: () => Sector, nativeEnumName: 'sector' })
  sector!: Sector;

  @Field(() => [String], { description: 'ISO codes of the destination countries the programme prepares for.' })
  @Property({ type: 'text[]' })
  targetCountryCodes: Opt<string[]> = [];

  @Field(() => Boolean, {
    description:
      'Prepares for work with individual (household) employers: such a programme may not target a destination under moratorium (Kepmenaker 260/2015).',
  })
  @Property({ type: 'boolean', default: false })
  forHouseholdWork: Opt<boolean> = false;

  @Field(() => Int)
  @Property({ type: 'integer' })
  capacityPerIntake!: number;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  startDate?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  endDate?: string | null;

  @Field(() => ProgramStatus)
  @Enum({ items: () => ProgramStatus, nativeEnumName: 'program_status' })
  status: Opt<ProgramStatus> = ProgramStatus.PLANNED;

  @Field(() => String, { nullable: true, description: 'Competency standard, e.g. an SKKNI reference.' })
  @Property({ type: 'string', nullable: true })
  competencyStandard?: string | null;

  @Field(() => String, { nullable: true, description: 'Certification scheme, e.g. BNSP/LSP scheme or SSW field test.' })
  @Property({ type: 'string', nullable: true })
  certificationScheme?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. JLPT N4, EPS-TOPIK, Goethe B1.' })
  @Property({ type: 'string', nullable: true })
  languageRequirement?: string | null;
}
