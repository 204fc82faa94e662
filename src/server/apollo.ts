/**
 * Apollo Server as Sinergi runs it: executed by graphql-jit, errors in one
 * shape and without hints where the schema is not published, compact JSON,
 * the query limits, persisted queries shared through Redis, and one
 * transaction per operation (transactions.ts).
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Context } from '../context';
import { jitGateway, type JitPlans } from '../graphql/jit-executor';
import type { PreparedDocuments } from './prepared-documents';
import { formatError, withoutSuggestions } from '../shared/errors';
import { armor, INTROSPECTION_OFF } from '../shared/query-limits';
import { RedisKeyValueCache } from './redis-cache';

export interface ApolloDeps {
  schema: GraphQLSchema;
  config: Config;
  log: Logger;
  redis: Redis | null;
  /** The per-operation transaction (transactions.ts). */
  transactions: ApolloServerPlugin<Context>;
  /** Each error of a request, to the request's own logger: an unexpected one is logged with its request id. */
  errorLoggers: WeakMap<object, Logger>;
  /** graphql-jit's plans, and the documents parsed and validated ahead (prepared-documents.ts). */
  plans: JitPlans;
  documentStore: PreparedDocuments;
}

export async function startApollo({ config, log, redis, transactions, errorLoggers, plans, documentStore }: ApolloDeps): Promise<ApolloServer<Context>> {
  const limits = armor();
  const apollo = new ApolloServer<Context>({
    // Executed by graphql-jit (see jit-executor.ts); parsing, validation, plugins and errors stay Apollo's.
    gateway: jitGateway(plans),
    // Apollo's store of parsed and validated documents, with client apps' registered documents put in ahead.
    documentStore,
    formatError: (formatted, error) => {
      const out = formatError(formatted, error, (e) =>
        ((typeof e === 'object' && e !== null ? errorLoggers.get(e) : undefined) ?? log).error({ err: e }, 'unexpected error in a resolver'),
      );
      // Where the schema is not published, its names are not handed out as hints either; the refusal names our setting, not Apollo's option.
      if (config.introspection) return out;
      if (out.message.startsWith('GraphQL introspection is not allowed')) return { ...out, message: INTROSPECTION_OFF };
      return { ...out, message: withoutSuggestions(out.message) };
    },
    includeStacktraceInErrorResponses: false,
    // Compact JSON: Apollo's default indents every response, which costs time on long lists and bytes on the wire.
    stringifyResult: (value) => JSON.stringify(value),
    // Off in production unless GRAPHQL_INTROSPECTION=true: the schema is in the repository for those who need it.
    introspection: config.introspection,
    validationRules: limits.validationRules,
    // Automatic persisted queries: shared by every process through Redis when there is one (an entry lives a
    // day), else each process keeps its own (Apollo's bounded in-memory cache).
    persistedQueries: redis ? { cache: new RedisKeyValueCache(redis, `${config.redisPrefix}:apq:`, 86_400), ttl: 86_400 } : undefined,
    // server.ts owns shutdown (HTTP, Apollo, database, embedded PostgreSQL, in that order).
    stopOnTerminationSignals: false,
    // No cache hints are used: the cache-control plugin would only add a hook to every field of every row.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), transactions, ...limits.plugins],
  });
  await apollo.start();
  return apollo;
}
