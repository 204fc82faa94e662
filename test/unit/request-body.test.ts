/** The JSON shape counter behind the streamed body limits (server/request-body.ts). */
import { describe, expect, it } from 'vitest';
import { BodyRefused, JsonShape } from '../../src/server/request-body';

const feed = (text: string, depth = 3, containers = 5, chunk = 3) => {
  const shape = new JsonShape({ depth, containers });
  const bytes = new TextEncoder().encode(text);
  // Fed in small chunks: a string, an escape or a bracket may be split anywhere.
  for (let i = 0; i < bytes.length; i += chunk) shape.feed(bytes.subarray(i, i + chunk));
};

describe('JsonShape', () => {
  it('counts depth and containers outside strings only, across chunk boundaries', () => {
    expect(() => feed('{"a":[[1]]}')).not.toThrow();
    expect(() => feed('{"a":[[[1]]]}')).toThrow(BodyRefused);
    expect(() => feed('[[],[],[],[],[]]')).toThrow(/more than 5/);
    expect(() => feed('{"s":"[[[[[[{{{{"}')).not.toThrow();
    expect(() => feed('{"s":"\\"[[[[[\\\\","t":1}')).not.toThrow();
    // An escaped quote does not end the string; the escaped backslash before a quote does.
    expect(() => feed('{"s":"\\\\"}[[[[', 3, 50)).toThrow(/deeper than 3/);
  });
});
