import { Ministry } from '../../kernel/ministry.entity';
import { Enrollment } from '../enrollment/enrollment.entity';
import { Institution } from '../institution/institution.entity';
import { Mou } from '../mou/mou.entity';
import { Program } from '../program/program.entity';
import { ReturneeBusiness } from '../returnee-business/returnee-business.entity';
import { Trainee } from '../trainee/trainee.entity';

/** Every type that implements Node, by its GraphQL (and entity class) name: what `node(id:)` and `explainAccess` resolve. */
export const NODE_TYPES = { Ministry, Institution, Program, Trainee, Enrollment, Mou, ReturneeBusiness } as const;
