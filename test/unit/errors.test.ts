import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { badUserInput, CLIENT_ERROR_CODES, ErrorCode, formatError } from '../../src/shared/errors';

const formatted = (e: GraphQLError) => ({ message: e.message, extensions: { code: 'INTERNAL_SERVER_ERROR', ...e.extensions, stacktrace: ['at x.ts:1'] } });

describe('formatError', () => {
  it('hides the message and stack of unexpected errors', () => {
    const internal: unknown[] = [];
    const e = new GraphQLError('connection to 10.0.0.5 refused', { originalError: new Error('connection to 10.0.0.5 refused') });
    const out = formatError(formatted(e), e, (x) => internal.push(x));
    expect(out).toEqual({ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(internal).toHaveLength(1);
  });

  it('passes our own errors with their field, without stack', () => {
    const e = badUserInput('Bad.', 'input.nik');
    expect(formatError(formatted(e), e)).toEqual({ message: 'Bad.', extensions: { code: 'BAD_USER_INPUT', field: 'input.nik' } });
  });

  it('reshapes class-validator errors to BAD_USER_INPUT naming the first field', () => {
    class CreateThingInput {}
    const target = new CreateThingInput();
    const e = new GraphQLError('Argument Validation Error', {
      extensions: {
        code: 'BAD_USER_INPUT',
        validationErrors: [{ property: 'annualCapacity', target, constraints: { min: 'annualCapacity must not be less than 0' } }],
      },
    });
    const out = formatError(formatted(e), e);
    expect(out.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.annualCapacity' });
    expect(out.message).toBe('input.annualCapacity: annualCapacity must not be less than 0');
  });
});

describe('the error codes', () => {
  it('docs/clients.md lists every code a client can get, each in its table of codes', () => {
    const readme = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'clients.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| code | HTTP | when |'));
    const listed = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\s*\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(CLIENT_ERROR_CODES));
    for (const code of Object.values(ErrorCode)) expect(CLIENT_ERROR_CODES).toContain(code);
  });
});
