import { DefaultLogger, type LogContext, type LoggerNamespace } from '@mikro-orm/core';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Counts SQL statements per request (tests assert the count to catch N+1) and
 * prints queries only when MIKRO_ORM_DEBUG is set. The request's counter travels
 * in AsyncLocalStorage, so concurrent requests never mix their counts.
 */
export const queryCounter = new AsyncLocalStorage<{ count: number; statements: string[] }>();

const printQueries = !!process.env.MIKRO_ORM_DEBUG;

export class QueryCountingLogger extends DefaultLogger {
  override log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (namespace === 'query') {
      const counter = queryCounter.getStore();
      if (counter) {
        counter.count++;
        counter.statements.push(message);
      }
      if (!printQueries) return;
    }
    super.log(namespace, message, context);
  }

  /** Only while something counts (tests) or prints: otherwise MikroORM need not format each query for the log. */
  override isEnabled(namespace: LoggerNamespace, context?: LogContext): boolean {
    if (namespace === 'query') return printQueries || queryCounter.getStore() !== undefined;
    return super.isEnabled(namespace, context);
  }
}
