/** Heavy work takes turns (server/heavy-gate.ts), and waits outside the operation gate's turn (operation-gate.ts). */
import { describe, expect, it } from 'vitest';
import { HeavyGate } from '../../src/server/heavy-gate';
import { operationGate } from '../../src/server/operation-gate';

const code = (e: unknown) => (e as { extensions?: { code?: string; retryAfter?: number } }).extensions;

describe('HeavyGate', () => {
  it('refuses an account past its share at once, and leaves other accounts their turns', async () => {
    const gate = new HeavyGate(4, 2, 1_000);
    const a1 = await gate.acquire('a');
    await gate.acquire('a');
    const started = performance.now();
    const refused = await gate.acquire('a').catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(50);
    expect(code(refused)).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfter: expect.any(Number) });
    await gate.acquire('b');
    a1.release();
    a1.release(); // twice is once
    await gate.acquire('a');
    expect(gate.active).toBe(3);
  });

  it('past the process share, waits in line for a turn, first come first served, and refuses after its wait', async () => {
    const gate = new HeavyGate(1, 5, 200);
    const first = await gate.acquire('a');
    const order: string[] = [];
    const second = gate.acquire('b').then((t) => (order.push('b'), t));
    const third = gate.acquire('c').then((t) => (order.push('c'), t));
    first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['b', 'c']);
    const held = await gate.acquire('a');
    const late = await gate.acquire('b').catch((e: unknown) => e);
    expect(code(late)).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    held.release();
    // Nothing leaked: a refused wait holds no turn and no share.
    const again = await gate.acquire('b');
    expect(gate.active).toBe(1);
    again.release();
    expect(gate.active).toBe(0);
  });
});

describe('operation gate: waiting outside the turn', () => {
  it('a heavy operation waiting for its lane gives its turn to a light one meanwhile', async () => {
    const gate = operationGate(1, 10);
    let release!: () => void;
    const lane = new Promise<void>((r) => (release = r));
    const heavy = gate.run(
      () => gate.outside(() => lane).then(() => 'heavy'),
      () => 'busy',
    );
    // With one turn in all, the light operation runs while the heavy one waits outside.
    expect(
      await gate.run(
        async () => 'light',
        () => 'busy',
      ),
    ).toBe('light');
    release();
    expect(await heavy).toBe('heavy');
    expect(gate.running).toBe(0);
  });
});
