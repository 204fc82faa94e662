/** The start-up banner names only what the server serves (issue 32, item 7). */
import { describe, expect, it } from 'vitest';
import { startupBanner } from '../../src/server/banner';

describe('the start-up banner', () => {
  it('names GraphiQL only where it is served, and the setting that serves it where it is not', () => {
    expect(startupBanner('http://127.0.0.1:4000/graphql', true, null)).toBe('Sinergi is up: GraphiQL at http://127.0.0.1:4000/graphql\n');
    const production = startupBanner('http://0.0.0.0:4000/graphql', false, null);
    expect(production).not.toMatch(/GraphiQL at/);
    expect(production).toMatch(/^Sinergi is up: GraphQL at http:\/\/0\.0\.0\.0:4000\/graphql .*GRAPHIQL=true/);
  });

  it('lists the demo accounts only where the demo data was loaded, and the login bar only with GraphiQL', () => {
    expect(startupBanner('u', true, 'pw')).toMatch(/Demo accounts \(password "pw"\)[\s\S]*bar above GraphiQL/);
    expect(startupBanner('u', false, 'pw')).not.toMatch(/GraphiQL,? or/);
    expect(startupBanner('u', true, null)).not.toMatch(/Demo accounts/);
  });
});
