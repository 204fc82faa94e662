/** The personal-data read log, and the data-subject access report built on it. */
import type { Resource } from '../../kernel/resource';
import { PersonalDataRead } from './personal-data-read.entity';
import { PersonalDataResolver } from './personal-data.resolver';

export const personalDataResource: Resource = {
  name: 'PersonalDataRead',
  entities: [PersonalDataRead],
  resolvers: [PersonalDataResolver],
  queries: { dataSubjectAccessReport: { audience: 'staff', scoped: true } },
  mutations: {},
};
