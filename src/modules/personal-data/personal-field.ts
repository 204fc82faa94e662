import type { PersonalEntity } from '../../access/masking';
import { forbidden } from '../../shared/errors';
import type { Context } from '../../context';
import { ResourceType } from '../../shared/enums';
import type { OwnedEntity } from '../../shared/base.entity';

type PersonalResource = PersonalEntity;
const RESOURCE_TYPE: Record<PersonalResource, ResourceType> = { Trainee: ResourceType.TRAINEE, ReturneeBusiness: ResourceType.RETURNEE_BUSINESS };

/**
 * The value of a personal field as this caller may see it: in full for the
 * owner ministry or under a clause that includes personal data (logged before
 * it is returned), masked for everyone else who can see the row.
 */
export async function personalValue(
  ctx: Context,
  resource: PersonalResource,
  row: OwnedEntity,
  field: string,
  value: string | null | undefined,
  masker: (v: string) => string,
): Promise<string | null> {
  if (value === null || value === undefined) return null;
  const access = ctx.scope.personalAccess(resource, row.ownerMinistry.id);
  if (!access.full) return masker(value);
  if (access.grant) {
    await ctx.personalLog!.record({ resourceType: RESOURCE_TYPE[resource], recordId: row.id, ownerMinistryId: row.ownerMinistry.id, grant: access.grant, field });
  }
  return value;
}


/**
 * Filtering or sorting by a personal field would reveal values the caller
 * sees masked ("is there a row with NIK X?"), so it is refused unless every
 * ministry the query can match is one whose personal data the caller reads in
 * full (its own, or a provider under a clause with personal data).
 */
export function assertPersonalQueryAllowed(ctx: Context, resource: PersonalResource, ownerMinistryId: string | undefined, field: string): void {
  const masked = ctx.scope.maskedMinistries(resource, ownerMinistryId ? [ownerMinistryId] : null);
  if (masked.length > 0) {
    throw forbidden(
      `${field} is personal data you see masked for some of the ministries in your scope; narrow the query with filter.ownerMinistryId to ministries whose personal data you may read.`,
      'personal-data:filter-or-sort',
      field,
    );
  }
}
