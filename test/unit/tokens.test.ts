import { describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens';
import { Role } from '../../src/access/roles';

const claims = { accountId: 'a1', sessionId: '0190a5b4-0000-7000-8000-000000000001', secret: 's3cret', ministryId: null, role: Role.AUDITOR };

describe('verified tokens are remembered until they expire, and only those', () => {
  it('answers a token it verified before from memory, the same claims', async () => {
    const tokens = new TokenService('k'.repeat(40), '1h');
    const token = await tokens.sign(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await tokens.verify(token)).toEqual(claims);
  });

  it('still refuses a token signed with another key, or altered, after the genuine one was remembered', async () => {
    const tokens = new TokenService('k'.repeat(40), '1h');
    const token = await tokens.sign(claims);
    await tokens.verify(token);
    const forged = await new TokenService('x'.repeat(40), '1h').sign(claims);
    expect(await tokens.verify(forged)).toBeNull();
    const [h, p, sig] = token.split('.');
    expect(await tokens.verify(`${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`)).toBeNull();
  });

  it('forgets a remembered token when it expires', async () => {
    const tokens = new TokenService('k'.repeat(40), '1s');
    const token = await tokens.sign(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await tokens.verify(token)).toBeNull();
  });
});
