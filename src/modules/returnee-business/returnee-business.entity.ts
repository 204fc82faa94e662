import { BigIntType, Entity, Enum, Filter, Index, ManyToOne, Property, type Ref, type Opt } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { FinancingType } from '../../shared/enums';
import { Node } from '../../kernel/node.interface';
import { Trainee } from '../trainee/trainee.entity';

/** A village micro-business (UMKM) of a returned migrant worker (purna PMI). */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('ReturneeBusiness'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
// Children are read and counted per parent within the caller's scope: (parent, owner) serves both from the index alone.
@Index({ properties: ['trainee', 'ownerMinistry'] })
export class ReturneeBusiness extends OwnedEntity {
  @Field(() => String)
  @Property({ type: 'string' })
  returneeName!: string;

  /** Personal data: exposed only through the masking resolver in returnee-business.resolver.ts. */
  @Property({ type: 'string', length: 16 })
  @Index()
  returneeNik!: string;

  /** Personal data: exposed only through the masking resolver in returnee-business.resolver.ts. */
  @Property({ type: 'string', nullable: true })
  returneePhone?: string | null;

  /** The returnee's own calon PMI record, when known. */
  @ManyToOne({ entity: () => Trainee, ref: true, nullable: true, deleteRule: 'set null' })
  trainee?: Ref<Trainee> | null;

  @Field(() => String)
  @Property({ type: 'string' })
  businessName!: string;

  @Field(() => String, { description: 'KBLI 2020 business classification code (5 digits).' })
  @Property({ type: 'string', length: 5 })
  kbliCode!: string;

  @Field(() => String, { description: 'Kemendagri village (desa/kelurahan) code, 10 digits.' })
  @Property({ type: 'string', length: 10 })
  villageCode!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 2 })
  @Index()
  provinceCode!: string;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  foundedOn?: string | null;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  employees: Opt<number> = 0;

  @Field(() => FinancingType, { nullable: true })
  @Enum({ items: () => FinancingType, nullable: true, nativeEnumName: 'financing_type' })
  financingType?: FinancingType | null;

  @Field(() => Float, { nullable: true, description: 'Financing amount in rupiah.' })
  @Property({ type: new BigIntType('number'), nullable: true })
  financingAmount?: number | null;

  @Field(() => Int, { description: 'Business mentoring sessions attended.' })
  @Property({ type: 'integer', default: 0 })
  mentoringSessions: Opt<number> = 0;
}
