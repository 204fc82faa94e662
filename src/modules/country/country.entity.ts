import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

/** Destination country with its moratorium status; versioned reference data kept with its legal basis. */
@ObjectType({ simpleResolvers: true })
@Entity()
export class DestinationCountry {
  @Field(() => String, { description: 'ISO 3166-1 alpha-2.' })
  @PrimaryKey({ type: 'string', length: 2 })
  code!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  nameEn!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  nameId!: string;

  @Field(() => Boolean, { description: 'A focus destination named at the 2025 signing.' })
  @Property({ type: 'boolean', default: false })
  isFocus: Opt<boolean> = false;

  @Field(() => Boolean, {
    description: 'Placement with individual (household) employers closed by a moratorium; work for companies stays open (Kepmenaker 260/2015).',
  })
  @Property({ type: 'boolean', default: false })
  moratorium: Opt<boolean> = false;

  @Field(() => String, { nullable: true, description: 'Legal basis of the moratorium, e.g. Kepmenaker 260/2015.' })
  @Property({ type: 'string', nullable: true })
  moratoriumBasis?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  moratoriumSince?: string | null;
}
