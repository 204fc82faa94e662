/** Audit events made through the API, for the audit log's tests: `n` KP2MI institutions created and renamed by `editor`. */
import { toGlobalId } from '../../src/shared/global-id';
import { expectOk } from './expect';
import * as f from './factories';
import type { Client, TestApp } from './test-app';

export async function renameInstitutions(t: TestApp, editor: Client, n: number): Promise<void> {
  const em = t.em();
  const kp2mi = await t.ministry('KP2MI');
  const rows = Array.from({ length: n }, () => f.institution(em, kp2mi));
  await em.flush();
  for (const [i, row] of rows.entries())
    expectOk(
      await editor.raw('mutation($id: ID!, $name: String!) { updateInstitution(input: { id: $id, name: $name }) { id } }', {
        id: toGlobalId('Institution', row.id),
        name: `Renamed ${i}`,
      }),
    );
}
