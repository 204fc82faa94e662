import { Entity, Enum, Filter, Index, ManyToOne, Property, Unique, type Opt, type Ref } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { Node } from '../../kernel/node.interface';
import { Sector } from '../../shared/enums';
import { ReturneeBusiness } from '../returnee-business/returnee-business.entity';
import { Trainee } from '../trainee/trainee.entity';

export enum EmployerType {
  COMPANY = 'COMPANY',
  INDIVIDUAL = 'INDIVIDUAL',
}
registerEnumType(EmployerType, {
  name: 'EmployerType',
  valuesConfig: {
    COMPANY: { description: 'A legal entity: a company, hotel, hospital, farm or factory.' },
    INDIVIDUAL: { description: 'An individual or household employer (domestic work); closed where a moratorium applies (Kepmenaker 260/2015).' },
  },
});

export enum PlacementScheme {
  G_TO_G_EPS_KOREA = 'G_TO_G_EPS_KOREA',
  SSW_JAPAN = 'SSW_JAPAN',
  G_TO_G = 'G_TO_G',
  P_TO_P = 'P_TO_P',
  INDEPENDENT = 'INDEPENDENT',
}
registerEnumType(PlacementScheme, {
  name: 'PlacementScheme',
  valuesConfig: {
    G_TO_G_EPS_KOREA: { description: "Government to government, Korea's Employment Permit System." },
    SSW_JAPAN: { description: "Japan's Specified Skilled Worker (Tokutei Ginou) visa." },
    G_TO_G: { description: 'Another government-to-government scheme.' },
    P_TO_P: { description: 'Private to private: through a licensed placement company (P3MI).' },
    INDEPENDENT: { description: 'Placed independently (mandiri).' },
  },
});

export enum PlacementStatus {
  PLANNED = 'PLANNED',
  DEPARTED = 'DEPARTED',
  RETURNED = 'RETURNED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(PlacementStatus, { name: 'PlacementStatus' });

/** A trainee's placement abroad (penempatan), recorded by the ministry that arranges it (KP2MI in the demo). */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('Placement'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
// Children are read and counted per parent within the caller's scope: (parent, owner) serves both from the index alone.
@Index({ properties: ['trainee', 'ownerMinistry'] })
@Unique({ properties: ['ownerMinistry', 'externalId'] })
export class Placement extends OwnedEntity {
  @Field(() => String, { nullable: true, description: 'Your own stable id for this row; unique within your ministry, the key of CSV re-imports.' })
  @Property({ type: 'string', length: 100, nullable: true })
  externalId?: string | null;

  @ManyToOne({ entity: () => Trainee, ref: true, deleteRule: 'restrict' })
  trainee!: Ref<Trainee>;

  @Field(() => String, { description: 'ISO code of the destination country.' })
  @Property({ type: 'string', length: 2, index: true })
  destinationCountryCode!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  employerName!: string;

  @Field(() => EmployerType)
  @Enum({ items: () => EmployerType, nativeEnumName: 'employer_type' })
  employerType!: EmployerType;

  @Field(() => String)
  @Property({ type: 'string' })
  jobTitle!: string;

  @Field(() => Sector)
  @Enum({ items: () => Sector, nativeEnumName: 'sector' })
  sector!: Sector;

  @Field(() => PlacementScheme)
  @Enum({ items: () => PlacementScheme, nativeEnumName: 'placement_scheme' })
  scheme!: PlacementScheme;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  contractStart?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  contractEnd?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'The trainee is at least 18 on this day (UU 18/2017).' })
  @Property({ type: 'date', nullable: true })
  departureDate?: string | null;

  @Field(() => PlacementStatus)
  @Enum({ items: () => PlacementStatus, nativeEnumName: 'placement_status' })
  status: Opt<PlacementStatus> = PlacementStatus.PLANNED;

  @ManyToOne({ entity: () => ReturneeBusiness, ref: true, nullable: true, index: true, deleteRule: 'set null' })
  returneeBusiness?: Ref<ReturneeBusiness> | null;
}
