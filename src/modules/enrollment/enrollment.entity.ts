import { Entity, Enum, Filter, Index, ManyToOne, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { EnrollmentStatus } from '../../shared/enums';
import { Node } from '../../kernel/node.interface';
import { Program } from '../program/program.entity';
import { Trainee } from '../trainee/trainee.entity';

/** A trainee in a programme; owned by the programme's ministry. */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('Enrollment'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
// Children are read and counted per parent within the caller's scope: (parent, owner) serves both from the index alone.
@Index({ properties: ['trainee', 'ownerMinistry'] })
@Index({ properties: ['program', 'ownerMinistry'] })
@Unique({ properties: ['trainee', 'program'] })
export class Enrollment extends OwnedEntity {
  @ManyToOne({ entity: () => Trainee, ref: true, deleteRule: 'restrict' })
  trainee!: Ref<Trainee>;

  @ManyToOne({ entity: () => Program, ref: true, deleteRule: 'restrict' })
  program!: Ref<Program>;

  @Field(() => EnrollmentStatus)
  @Enum({ items: () => EnrollmentStatus, nativeEnumName: 'enrollment_status' })
  status: Opt<EnrollmentStatus> = EnrollmentStatus.APPLIED;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  enrolledOn?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  completedOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Competency certificate issuer, e.g. an LSP licensed by BNSP.' })
  @Property({ type: 'string', nullable: true })
  certificateIssuer?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  certificateScheme?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  certificateNumber?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  certificateIssuedOn?: string | null;
}
