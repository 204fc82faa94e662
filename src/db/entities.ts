import { Account } from '../modules/account/account.entity';
import { DestinationCountry } from '../modules/country/country.entity';
import { Enrollment } from '../modules/enrollment/enrollment.entity';
import { Institution } from '../modules/institution/institution.entity';
import { Ministry } from '../kernel/ministry.entity';
import { DataSharingClause } from '../modules/mou/data-sharing-clause.entity';
import { Mou } from '../modules/mou/mou.entity';
import { MouParty } from '../modules/mou/mou-party.entity';
import { MouVersion } from '../modules/mou/mou-version.entity';
import { MouAmendment, MouAmendmentSignature } from '../modules/mou/mou-amendment.entity';
import { PersonalDataRead } from '../modules/personal-data/personal-data-read.entity';
import { AuditEvent } from '../modules/audit/audit-event.entity';
import { Program } from '../modules/program/program.entity';
import { ReturneeBusiness } from '../modules/returnee-business/returnee-business.entity';
import { Trainee } from '../modules/trainee/trainee.entity';
import { BaseEntity, OwnedEntity } from '../kernel/base.entity';

/** Listed explicitly: no folder scanning, so tsx, vitest and the compiled build discover the same set. */
export const entities = [BaseEntity, OwnedEntity, Ministry, DestinationCountry, Institution, Program, Trainee, Enrollment, Mou, MouParty, MouVersion, DataSharingClause, MouAmendment, MouAmendmentSignature, ReturneeBusiness, Account, PersonalDataRead, AuditEvent];
