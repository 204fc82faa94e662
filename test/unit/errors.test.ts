import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { badUserInput, formatError } from '../../src/shared/errors';

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
