import { Unique, Entity, Enum, Filter, Index, Property, type Opt } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { Accreditation, InstitutionType, Sector } from '../../shared/enums';
import { Node } from '../../kernel/node.interface';

/** A vocational institution (lembaga vokasi) run by one ministry. */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('Institution'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
@Unique({ properties: ['ownerMinistry', 'externalId'] })
export class Institution extends OwnedEntity {
  @Field(() => String, {
    nullable: true,
    description: 'Your own stable id for this row (e.g. from the spreadsheet it came from); unique within your ministry, the key of CSV re-imports.',
  })
  @Property({ type: 'string', length: 100, nullable: true })
  externalId?: string | null;

  @Field(() => String)
  @Property({ type: 'string' })
  name!: string;

  @Field(() => InstitutionType)
  @Enum({ items: () => InstitutionType, nativeEnumName: 'institution_type' })
  type!: InstitutionType;

  @Field(() => String, { description: 'Kemendagri province code, e.g. 35 for Jawa Timur.' })
  @Property({ type: 'string', length: 2 })
  @Index()
  provinceCode!: string;

  @Field(() => String, { nullable: true, description: 'Regency or city (kabupaten/kota).' })
  @Property({ type: 'string', nullable: true })
  regency?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  address?: string | null;

  @Field(() => Int, { description: 'Annual training capacity (daya latih), participants per year.' })
  @Property({ type: 'integer' })
  annualCapacity!: number;

  @Field(() => [Sector])
  @Enum({ items: () => Sector, array: true, nativeEnumName: 'sector' })
  sectors: Opt<Sector[]> = [];

  @Field(() => Boolean, { description: 'Data marked link-and-match with overseas labour demand.' })
  @Property({ type: 'boolean', default: false })
  linkAndMatch: Opt<boolean> = false;

  @Field(() => Boolean, { description: 'Directly engaged in preparing calon PMI.' })
  @Property({ type: 'boolean', default: false })
  pmiPreparation: Opt<boolean> = false;

  @Field(() => Accreditation, { nullable: true })
  @Enum({ items: () => Accreditation, nullable: true, nativeEnumName: 'accreditation' })
  accreditation?: Accreditation | null;
}
