import { describe, expect, it } from 'vitest';
import { operationGate } from '../../src/server/operation-gate';

/** An operation that finishes when the test says so. */
function held() {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { finish, op: () => done };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('operationGate', () => {
  it('runs at most `limit` operations at once, the others in the order they came, and refuses past the queue', async () => {
    const gate = operationGate(2, 2);
    const started: number[] = [];
    const ops = Array.from({ length: 5 }, () => held());
    const runs = ops.map((h, i) =>
      gate.run(
        async () => {
          started.push(i);
          await h.op();
          return i;
        },
        () => 'busy' as const,
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([gate.running, gate.waiting]).toEqual([2, 2]);
    expect(await runs[4]).toBe('busy');
    ops[1].finish();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    ops[0].finish();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    ops[2].finish();
    ops[3].finish();
    expect(await Promise.all(runs.slice(0, 4))).toEqual([0, 1, 2, 3]);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  it('a failed operation gives its turn back', async () => {
    const gate = operationGate(1, 10);
    await expect(
      gate.run(
        () => Promise.reject(new Error('boom')),
        () => 'busy',
      ),
    ).rejects.toThrow('boom');
    expect(
      await gate.run(
        async () => 'next',
        () => 'busy',
      ),
    ).toBe('next');
  });

  it('limit 0 runs everything at once', async () => {
    const gate = operationGate(0, 0);
    const ops = Array.from({ length: 50 }, () => held());
    const runs = ops.map((h, i) =>
      gate.run(
        () => h.op().then(() => i),
        () => 'busy',
      ),
    );
    ops.forEach((h) => h.finish());
    expect(await Promise.all(runs)).toEqual(ops.map((_, i) => i));
  });
});
