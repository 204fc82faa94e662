/**
 * The turns operations take (operation-gate.ts, heavy-gate.ts): the process's operations, and inside their
 * turns the lanes of heavy work, of bulk pages and of logins, with LIGHT_RESERVE turns left for light
 * operations.
 */
import type { Config } from '../config';
import { BULK_AT_ONCE, HeavyGate, LIGHT_RESERVE, LOGINS_AT_ONCE } from './heavy-gate';
import { operationGate } from './operation-gate';

export type Lanes = ReturnType<typeof operationLanes>;

export function operationLanes(
  config: Pick<Config, 'maxConcurrentOperations' | 'maxQueuedOperations' | 'heavyConcurrentOperations' | 'heavyPerAccount' | 'heavyQueueMs' | 'queryBudgetMs'>,
) {
  const operations = operationGate(config.maxConcurrentOperations, config.maxQueuedOperations);
  const heavy = new HeavyGate(config.heavyConcurrentOperations, config.heavyPerAccount, config.heavyQueueMs);
  const lanes =
    config.maxConcurrentOperations === 0
      ? 0
      : Math.max(1, Math.min(BULK_AT_ONCE, config.maxConcurrentOperations - LIGHT_RESERVE - config.heavyConcurrentOperations));
  const bulk = new HeavyGate(lanes, Number.POSITIVE_INFINITY, config.queryBudgetMs);
  const logins = new HeavyGate(LOGINS_AT_ONCE, Number.POSITIVE_INFINITY, config.queryBudgetMs);
  return { operations, heavy, bulk, logins };
}
