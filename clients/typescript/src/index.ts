/**
 * Sinergi's TypeScript client: typed documents for every root operation of the
 * API, a fragment per type, and an Apollo Client set up for it.
 */
export * from './generated/graphql';
export { createSinergiClient, documentIdOf, memorySessionStore, sinergiTypePolicies } from './client';
export type { Session, SessionStore, SinergiClient, SinergiClientOptions } from './client';
export { keyFields, paginatedFields, possibleTypes } from './schema-facts';
