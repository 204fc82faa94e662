/** Global ids: the fast ASCII encoding gives exactly what base64url of the text gives, and ids round-trip. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromGlobalId, parseGlobalId, toGlobalId } from '../../src/shared/global-id';

const reference = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

describe('toGlobalId', () => {
  it('encodes as base64url of "<Type>:<id>", for every length of type name (all three base64 tails)', () => {
    for (const type of ['A', 'Ab', 'Abc', 'Program', 'Institution', 'ReturneeBusiness', 'DestinationCountry']) {
      for (let i = 0; i < 20; i++) {
        const id = randomUUID();
        expect(toGlobalId(type, id)).toBe(reference(type, id));
        expect(parseGlobalId(toGlobalId(type, id))).toEqual({ type, id });
        expect(fromGlobalId(toGlobalId(type, id), type, 'id')).toBe(id);
      }
    }
  });

  it('encodes text beyond ASCII, and text as long as its scratch buffer or longer, as UTF-8 like any base64url', () => {
    for (const [type, id] of [
      ['Négara', 'ID'],
      ['Kota', 'Yogyakarta ꦪꦺꦴꦒꦾꦏꦂꦠ'],
      ['Emoji', '🇮🇩'],
      ['Long', 'x'.repeat(300)],
      ...[246, 247, 250, 251, 252, 253, 254, 255].map((n) => ['L', 'y'.repeat(n - 2)] as const),
      ['Wide', 'é'.repeat(130)],
      ['Edge', '\u0080\u00ff'],
    ] as const)
      expect(toGlobalId(type, id)).toBe(reference(type, id));
  });

  it('answers the same id the same way when called again (nothing of one call leaks into the next)', () => {
    const long = toGlobalId('Institution', randomUUID());
    const short = toGlobalId('A', 'b');
    expect(short).toBe(reference('A', 'b'));
    expect(toGlobalId('A', 'b')).toBe(short);
    expect(long.length).toBeGreaterThan(short.length);
  });
});
