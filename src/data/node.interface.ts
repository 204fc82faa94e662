import { Field, ID, InterfaceType } from 'type-graphql';

/** Relay global object identification: every Node has an opaque global `id` usable with `node(id:)`. */
/** A row's GraphQL type is its class's name (entities and plain rows alike). */
export const resolveNodeType = (value: object) => value.constructor.name;

@InterfaceType({
  description: 'An object with a global id, fetchable with `node(id:)`.',
  resolveType: resolveNodeType,
})
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global id.' })
  id!: string;
}
