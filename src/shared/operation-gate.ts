/**
 * How many GraphQL operations one server process runs at once, and how many
 * may wait for their turn (issue 11). One Node process works on one core: a
 * few operations in flight keep it and the database busy; more only take
 * turns on the same core, each answer waits for everyone else's work, and
 * every one of them holds its rows in memory meanwhile (longer garbage
 * collections). Measured on the bench data with 32 clients on 2 cores: the
 * same throughput, and the slowest 1 % of a 1,000-row list at 630 ms with 16
 * at once against 830–1,240 ms with all 32 (8 served reads as well, but
 * slowed mutations, which wait more on the database). Waiting operations are
 * served first come, first served; past the queue's length the answer is
 * 503, at once.
 */
import { Sema } from 'async-sema';

export interface OperationGate {
  /** Runs `op` when its turn comes; `busy` (without running it) when the queue is full. */
  run<T, B>(op: () => Promise<T>, busy: () => B): Promise<T | B>;
  readonly running: number;
  readonly waiting: number;
}

/** `limit` 0: no limit (every operation runs at once). */
export function operationGate(limit: number, queue: number): OperationGate {
  if (limit === 0) return { run: (op) => op(), running: 0, waiting: 0 };
  const sema = new Sema(limit);
  // Counted when an operation arrives, not when its turn comes: many may arrive before any turn is handed out.
  let admitted = 0;
  let running = 0;
  return {
    async run(op, busy) {
      if (admitted >= limit + queue) return busy();
      admitted++;
      try {
        await sema.acquire();
        running++;
        try {
          return await op();
        } finally {
          running--;
          sema.release();
        }
      } finally {
        admitted--;
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return admitted - running;
    },
  };
}
