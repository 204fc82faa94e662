import { mask } from '../../access/masking';
import { field } from '../../resource/fields';
import { ownedEntity } from '../../resource/owned-entity';
import { FinancingType } from '../../shared/enums';
import { IsDigits, IsPhone, IsProvinceCode } from '../../shared/validators';
import { IsNik } from '../trainee/trainee.rules';
import { Trainee } from '../trainee/trainee.entity';

export const ReturneeBusiness = ownedEntity('ReturneeBusiness', {
  description: 'A village business started by a returned migrant worker, with its financing and mentoring.',
  fields: {
    returneeName: field.text({ description: "The returnee's full name.", length: [2, 150] }),
    returneeNik: field.text({
      description: "The returnee's NIK.",
      personal: mask.nik,
      identifiesSubject: true,
      columnLength: 16,
      rules: [IsNik()],
      index: true,
      filter: 'eq',
    }),
    returneePhone: field.text({ description: "The returnee's phone.", personal: mask.phone, nullable: true, rules: [IsPhone()] }),
    trainee: field.reference(() => Trainee, {
      description: "The returnee's trainee record, when known and in your read scope.",
      inputDescription: "The returnee's trainee record, if you can read it.",
      nullable: true,
      update: false,
      index: 'withOwner',
    }),
    businessName: field.text({ description: 'Name of the business.', length: [2, 200], filter: { search: 'search' }, sort: 'BUSINESS_NAME' }),
    kbliCode: field.text({ description: 'KBLI 2020 business classification code (5 digits).', columnLength: 5, rules: [IsDigits(5, 'KBLI code')] }),
    villageCode: field.text({ description: 'Kemendagri village (desa/kelurahan) code, 10 digits.', columnLength: 10, rules: [IsDigits(10, 'village code')] }),
    provinceCode: field.text({
      description: 'Kemendagri code of the province the business is in.',
      columnLength: 2,
      rules: [IsProvinceCode()],
      index: true,
      filter: 'eq',
    }),
    foundedOn: field.date({ description: 'The day the business started.', nullable: true, sort: 'FOUNDED_ON' }),
    employees: field.int({ description: 'People it employs, the owner included.', default: 0, min: 0, max: 100_000, sort: 'EMPLOYEES' }),
    financingType: field.enum(FinancingType, 'financing_type', { description: 'How it was financed; null when not recorded.', nullable: true, filter: 'eq' }),
    financingAmount: field.amount({ description: 'Financing amount in rupiah.', nullable: true, min: 0, max: 1e13 }),
    mentoringSessions: field.int({ description: 'Business mentoring sessions attended.', default: 0, min: 0, max: 10_000 }),
  },
});
export type ReturneeBusiness = InstanceType<typeof ReturneeBusiness>;
