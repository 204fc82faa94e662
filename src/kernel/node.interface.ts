import { Field, ID, InterfaceType } from 'type-graphql';

/** Relay global object identification: every Node has an opaque global `id` usable with `node(id:)`. */
@InterfaceType({
  description: 'An object with a global id, fetchable with `node(id:)`.',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global id.' })
  id!: string;
}
