/** The personal-data read log, and the data-subject access report built on it. */
import type { Resource } from '../../resource/resource';
import { PersonalDataRead } from './personal-data-read.entity';

export const personalDataResource: Resource = {
  name: 'PersonalDataRead',
  entities: [PersonalDataRead],
  // Its resolver reads every resource that records a NIK: the composition root adds it (personalDataResolver).
  resolvers: [],
  queries: { dataSubjectAccessReport: { audience: 'staff', scoped: true } },
  mutations: {},
};
