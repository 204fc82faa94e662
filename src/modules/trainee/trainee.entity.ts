import { IsEmail, Matches } from 'class-validator';
import { mask } from '../../access/masking';
import { field } from '../../resource/fields';
import { ownedEntity } from '../../resource/owned-entity';
import { EducationLevel, Sex, TraineeStatus } from '../../shared/enums';
import { IsPhone, IsProvinceCode } from '../../shared/validators';
import { IsAdultBirthDate, IsNik } from './trainee.rules';

export const Trainee = ownedEntity('Trainee', {
  description:
    'A prospective migrant worker (calon PMI) registered by a ministry. Personal fields are masked for other ministries unless a clause in force shares personal data.',
  fields: {
    externalId: field.externalId(),
    nik: field.text({
      description: '16-digit NIK; must agree with birthDate and sex.',
      personal: mask.nik,
      identifiesSubject: true,
      columnLength: 16,
      rules: [IsNik()],
      index: true,
      uniquePerMinistry: true,
      filter: 'eq',
    }),
    fullName: field.text({ description: 'Full name as on the KTP.', length: [2, 150], filter: { search: 'search' }, sort: 'FULL_NAME' }),
    sex: field.enum(Sex, 'sex', { description: 'Sex as on the KTP.', filter: 'eq' }),
    birthDate: field.date({
      description: 'Birth date, YYYY-MM-DD (masked: YYYY-**-**); at least 18 years ago.',
      personal: mask.birthDate,
      rules: [IsAdultBirthDate()],
      sort: 'BIRTH_DATE',
    }),
    originProvinceCode: field.text({
      description: 'Kemendagri code of the home province, e.g. 35 for Jawa Timur.',
      columnLength: 2,
      rules: [IsProvinceCode()],
      index: true,
      filter: 'eq',
    }),
    originRegency: field.text({ description: 'Home regency or city (kabupaten/kota).', nullable: true, length: [1, 120] }),
    phone: field.text({ description: 'Phone number.', personal: mask.phone, nullable: true, rules: [IsPhone()] }),
    email: field.text({
      description: 'E-mail address.',
      personal: mask.email,
      nullable: true,
      rules: [IsEmail({}, { message: 'not an e-mail address' })],
    }),
    address: field.text({ description: 'Home address.', personal: mask.address, nullable: true, columnType: 'text', length: [1, 500] }),
    educationLevel: field.enum(EducationLevel, 'education_level', { description: 'Highest completed education; null when not recorded.', nullable: true }),
    status: field.enum(TraineeStatus, 'trainee_status', {
      description: 'Where the person stands in the programme.',
      default: TraineeStatus.REGISTERED,
      filter: 'eq',
    }),
  },
});
export type Trainee = InstanceType<typeof Trainee>;
