import { Entity, Enum, Filter, Index, Property, Unique, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { EducationLevel, Sex, TraineeStatus } from '../../shared/enums';
import { Node } from '../../kernel/node.interface';

/**
 * A prospective migrant worker (calon PMI) registered by one ministry.
 * NIK, birth date, phone, e-mail and address are personal data (UU 27/2022).
 */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('Trainee'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
@Unique({ properties: ['ownerMinistry', 'externalId'] })
@Unique({ properties: ['ownerMinistry', 'nik'] })
export class Trainee extends OwnedEntity {
  @Field(() => String, {
    nullable: true,
    description: 'Your own stable id for this row (e.g. from the spreadsheet it came from); unique within your ministry, the key of CSV re-imports.',
  })
  @Property({ type: 'string', length: 100, nullable: true })
  externalId?: string | null;

  /** Personal data: exposed only through the masking resolver in trainee.resolver.ts. */
  @Property({ type: 'string', length: 16 })
  @Index()
  nik!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  fullName!: string;

  @Field(() => Sex)
  @Enum({ items: () => Sex, nativeEnumName: 'sex' })
  sex!: Sex;

  /** Personal data: exposed only through the masking resolver in trainee.resolver.ts. */
  @Property({ type: 'date' })
  birthDate!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 2 })
  @Index()
  originProvinceCode!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  originRegency?: string | null;

  /** Personal data: exposed only through the masking resolver in trainee.resolver.ts. */
  @Property({ type: 'string', nullable: true })
  phone?: string | null;

  /** Personal data: exposed only through the masking resolver in trainee.resolver.ts. */
  @Property({ type: 'string', nullable: true })
  email?: string | null;

  /** Personal data: exposed only through the masking resolver in trainee.resolver.ts. */
  @Property({ type: 'text', nullable: true })
  address?: string | null;

  @Field(() => EducationLevel, { nullable: true })
  @Enum({ items: () => EducationLevel, nullable: true, nativeEnumName: 'education_level' })
  educationLevel?: EducationLevel | null;

  @Field(() => TraineeStatus)
  @Enum({ items: () => TraineeStatus, nativeEnumName: 'trainee_status' })
  status: Opt<TraineeStatus> = TraineeStatus.REGISTERED;
}
