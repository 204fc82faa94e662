/** Ministries: reference data every caller reads; only a PLATFORM_ADMIN changes it. */
import { Ministry } from '../../data/ministry.entity';
import { subject, type Resource } from '../../resource/resource';
import { MinistryResolver } from './ministry.resolver';

const platform = { audience: 'platform-admin', scoped: false, audit: subject.row('Ministry') } as const;

export const ministryResource: Resource = {
  name: 'Ministry',
  entities: [Ministry],
  resolvers: [MinistryResolver],
  node: Ministry,
  queries: { ministries: { audience: 'authenticated', scoped: false } },
  mutations: { createMinistry: platform, updateMinistry: platform },
};
