/**
 * One transaction per operation, as an Apollo plugin: opened once the operation is known to be valid (its
 * price taken, its lane's turn waited for, the row an update names read ahead), committed with the
 * response — a failed mutation's operation rolled back whole — with the answer's status and the access
 * log's fields set on the way out.
 */
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Context } from '../context';
import type { ReplicaRouter } from '../db/replicas';
import { rowAheadOf } from '../data/row-update';
import { mayWriteReadLog } from '../modules/personal-data/read-log-writes';
import { AppError, ErrorCode, isDatabaseUnavailable, operationNotResolved, RETRY_AFTER_SECONDS, serviceUnavailable, undoAnswers } from '../shared/errors';
import { BULK_COST, HEAVY_COST } from './heavy-gate';
import { rootFields } from '../shared/lookahead';
import { assertComplexity, assertDocumentSize } from '../shared/query-limits';
import type { Lanes } from './lanes';
import { claimKey, keepAnswer } from './idempotency';
import { overQuota, type AppQuotas } from './app-quotas';

export interface TransactionDeps {
  config: Pick<Config, 'importBudgetMs' | 'queryBudgetMs'>;
  lanes: Lanes;
  replicas: ReplicaRouter;
  log: Logger;
  /** Each error of a request, to the request's own logger (formatError reads it). */
  errorLoggers: WeakMap<object, Logger>;
  /** Client apps' quotas: an app's operation spends its cost from it. */
  quotas?: AppQuotas;
}

export function transactionPlugin({ config, lanes, replicas, log, errorLoggers, quotas }: TransactionDeps): ApolloServerPlugin<Context> {
  const { heavy, bulk, logins } = lanes;
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const e of errors) {
            errorLoggers.set(e, contextValue.log);
            if (e.originalError) errorLoggers.set(e.originalError, contextValue.log);
          }
        },
        async didResolveOperation({ contextValue, document, request, schema, operation, source, metrics: requestMetrics }) {
          // A stored persisted document is held to the limits of the caller running it, as a sent one is at the door.
          if (requestMetrics.persistedQueryHit) assertDocumentSize(source, !contextValue.lane.liveCaller);
          // Before anything reads the operation: Apollo leaves the case to execution, which graphql-jit and the cost limit do not expect.
          if (!operation)
            throw operationNotResolved(
              document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? null] : [])),
              request.operationName,
            );
          const cost = assertComplexity(schema, document, request.variables ?? {}, request.operationName ?? undefined);
          // A client app spends the operation's cost from its quota, before it runs (app-quotas.ts).
          const app = contextValue.lane.appAccount;
          if (app && quotas) {
            const spent = await quotas.takeCost(app, cost);
            if (spent) {
              contextValue.lane.quota = spent.state;
              if (spent.over) throw overQuota('cost units', spent.state.resetSeconds);
            }
          }
          // Heavy work takes turns (heavy-gate.ts); waiting for one, it gives its operation turn back meanwhile.
          const lane = contextValue.lane.heavyHeld ? null : cost >= HEAVY_COST ? heavy : cost >= BULK_COST ? bulk : null;
          if (lane) contextValue.lane.turns.push(await contextValue.lane.yieldTurn(() => lane.acquire(contextValue.lane.accountKey)));
          // Logins hash a password (argon2id: tens of milliseconds of a core, on the thread pool): a few at a time, so that a
          // flood of them waits in its own line, holding no operation turn and no database connection.
          const roots = rootFields(operation, document);
          if (roots.includes('login')) {
            // Alone: a session opened by a login that then rolls back never existed, and what the request read
            // under it could not be kept in the read log (context.ts, keepReads).
            if (roots.some((f) => f !== 'login' && f !== '__typename'))
              throw new AppError(ErrorCode.BAD_REQUEST, 'login runs alone in its request: send the other fields in the next one, with its token.', {
                field: 'login',
                http: { status: 400 },
              });
            contextValue.lane.turns.push(await contextValue.lane.yieldTurn(() => logins.acquire('login')));
          }
          const importing = roots.includes('importCsv');
          // A query that writes nothing (no read-log entry) by a session that has not just written: a replica's.
          const onReplica =
            replicas.enabled &&
            operation?.operation === 'query' &&
            !mayWriteReadLog(schema, document, request.variables ?? {}) &&
            !(await replicas.pinned(contextValue.sessionId));
          try {
            await contextValue.begin(
              importing ? config.importBudgetMs : config.queryBudgetMs,
              operation?.operation === 'query',
              rowAheadOf(schema, operation ?? undefined, request.variables ?? {}),
              onReplica,
            );
          } catch (err) {
            if (!isDatabaseUnavailable(err)) throw err;
            log.warn({ err: String(err) }, 'database unavailable');
            throw serviceUnavailable();
          }
          // In the operation's transaction: its key is claimed, or its committed answer found (idempotency.ts).
          if (operation?.operation === 'mutation') await claimKey(contextValue, source, request.operationName ?? null, request.variables ?? {});
        },
        // A retry of a request whose mutations committed: their answer, as it was, without running them again.
        async responseForOperation({ contextValue }) {
          const claimed = contextValue.lane.idempotency;
          if (!claimed || !('replay' in claimed)) return null;
          return {
            http: { status: claimed.replay.status, headers: new HeaderMap([['idempotent-replayed', 'true']]) },
            body: { kind: 'single', singleResult: claimed.replay.result },
          };
        },
        async willSendResponse({ contextValue, response, operation, operationName }) {
          // An operation's mutations are all or nothing, so a client never has to work out which of several
          // took effect; a query always commits, as its read-log entries belong to what it did return. Whether a
          // root mutation failed is noted as it fails (`mutationsTogether`, schema.ts).
          const failedMutation = operation?.operation === 'mutation' && !!contextValue.mutation.failed;
          if (failedMutation && response.body.kind === 'single') {
            const typenames = operation.selectionSet.selections.flatMap((s) =>
              s.kind === 'Field' && s.name.value === '__typename' ? [s.alias?.value ?? '__typename'] : [],
            );
            undoAnswers(response.body.singleResult, new Set(typenames));
          }
          try {
            // The answer joins the mutations' transaction, kept with its Idempotency-Key: both commit or neither.
            if (!failedMutation && response.body.kind === 'single')
              await keepAnswer(contextValue, response.http.status ?? 200, response.body.singleResult as Record<string, unknown>);
            await contextValue.end(!failedMutation, { readOnly: operation?.operation === 'query' });
          } catch (err) {
            const down = isDatabaseUnavailable(err);
            if (!down) contextValue.log.error({ err }, 'commit failed');
            await contextValue.end(false).catch(() => undefined);
            if (response.body.kind === 'single') {
              response.body.singleResult = {
                errors: [
                  down
                    ? { message: serviceUnavailable().message, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }
                    : { message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
                ],
              };
            }
          }
          // Heavy work past its share: 429 with when to try again.
          const busy =
            response.body.kind === 'single' ? response.body.singleResult.errors?.find((e) => e.extensions?.code === ErrorCode.TOO_MANY_REQUESTS) : undefined;
          if (busy?.extensions?.retryAfter) {
            response.http.status = 429;
            response.http.headers.set('retry-after', String(busy.extensions.retryAfter));
          }
          // While the database is away: 503 with Retry-After, whichever step found out.
          if (response.body.kind === 'single' && response.body.singleResult.errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
          // For the access log (access-log.ts): what the operation was, and how its answer failed, if it did.
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          Object.assign(contextValue.access, {
            operationName: operationName ?? null,
            operationType: operation?.operation ?? null,
            accountId: contextValue.viewer?.accountId ?? null,
            ministryId: contextValue.viewer?.ministryId ?? null,
            errorCodes: [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))],
          });
          for (const turn of contextValue.lane.turns.splice(0)) turn.release();
          // A failed login under a storm of failures is answered late: after everything it held is given back.
          const delay = contextValue.lane.answerDelayMs;
          if (delay) await contextValue.lane.yieldTurn(() => new Promise((resolve) => setTimeout(resolve, delay)));
        },
      };
    },
  };
}
