/**
 * API_BUSINESS_PARTNER entity model: A_BusinessPartner, its addresses and the address's email and
 * phone numbers, with the names and types of SAP's published EDMX (representative subset).
 * Emails and phones hang off the address, as in S/4HANA:
 * `A_BusinessPartner('1000001')/to_BusinessPartnerAddress?$expand=to_EmailAddress`.
 */
import { bool, date, defineEntitySet, defineService, dto, guid, str, time, type ServiceDef } from './edmModel';

export const businessPartnerSet = defineEntitySet({
  set: 'A_BusinessPartner',
  type: 'A_BusinessPartnerType',
  keys: ['BusinessPartner'],
  props: [
    str('BusinessPartner', 10, { alpha: true }),
    str('Customer', 10, { alpha: true }),
    str('Supplier', 10, { alpha: true }),
    str('AcademicTitle', 4),
    str('AuthorizationGroup', 4),
    str('BusinessPartnerCategory', 1),
    str('BusinessPartnerFullName', 81),
    str('BusinessPartnerGrouping', 4),
    str('BusinessPartnerName', 81),
    guid('BusinessPartnerUUID'),
    str('CorrespondenceLanguage', 2),
    str('CreatedByUser', 12),
    date('CreationDate'),
    time('CreationTime'),
    str('FirstName', 40),
    str('FormOfAddress', 4),
    str('Industry', 10),
    str('IsNaturalPerson', 1),
    bool('IsFemale'),
    bool('IsMale'),
    str('Language', 2),
    date('LastChangeDate'),
    time('LastChangeTime'),
    str('LastChangedByUser', 12),
    str('LastName', 40),
    str('OrganizationBPName1', 40),
    str('OrganizationBPName2', 40),
    str('SearchTerm1', 20),
    bool('BusinessPartnerIsBlocked'),
    str('ETag', 26),
  ],
  navs: [
    { name: 'to_BusinessPartnerAddress', target: 'A_BusinessPartnerAddress', many: true, join: [['BusinessPartner', 'BusinessPartner']], association: 'assoc_BusinessPartner_Address' },
  ],
});

export const businessPartnerAddressSet = defineEntitySet({
  set: 'A_BusinessPartnerAddress',
  type: 'A_BusinessPartnerAddressType',
  keys: ['BusinessPartner', 'AddressID'],
  props: [
    str('BusinessPartner', 10, { alpha: true }),
    str('AddressID', 10, { alpha: true }),
    dto('ValidityStartDate', { precision: 0 }),
    dto('ValidityEndDate', { precision: 0 }),
    guid('AddressUUID'),
    str('CityName', 40),
    str('Country', 3),
    str('FullName', 80),
    str('HouseNumber', 10),
    str('Language', 2),
    str('PostalCode', 10),
    str('Region', 3),
    str('StreetName', 60),
    str('AddressTimeZone', 6),
  ],
  navs: [
    { name: 'to_EmailAddress', target: 'A_AddressEmailAddress', many: true, join: [['AddressID', 'AddressID']], association: 'assoc_Address_EmailAddress' },
    { name: 'to_PhoneNumber', target: 'A_AddressPhoneNumber', many: true, join: [['AddressID', 'AddressID']], where: { PhoneNumberType: '1' }, association: 'assoc_Address_PhoneNumber' },
    { name: 'to_MobilePhoneNumber', target: 'A_AddressPhoneNumber', many: true, join: [['AddressID', 'AddressID']], where: { PhoneNumberType: '3' }, association: 'assoc_Address_MobilePhoneNumber' },
  ],
});

export const addressEmailSet = defineEntitySet({
  set: 'A_AddressEmailAddress',
  type: 'A_AddressEmailAddressType',
  keys: ['AddressID', 'Person', 'OrdinalNumber'],
  props: [
    str('AddressID', 10, { alpha: true }),
    str('Person', 10),
    str('OrdinalNumber', 3, { alpha: true }),
    bool('IsDefaultEmailAddress'),
    str('EmailAddress', 241),
    str('SearchEmailAddress', 20),
    str('AddressCommunicationRemarkText', 50),
  ],
  navs: [],
});

export const addressPhoneSet = defineEntitySet({
  set: 'A_AddressPhoneNumber',
  type: 'A_AddressPhoneNumberType',
  keys: ['AddressID', 'Person', 'OrdinalNumber'],
  props: [
    str('AddressID', 10, { alpha: true }),
    str('Person', 10),
    str('OrdinalNumber', 3, { alpha: true }),
    str('DestinationLocationCountry', 3),
    bool('IsDefaultPhoneNumber'),
    str('PhoneNumber', 30),
    str('PhoneNumberExtension', 10),
    str('InternationalPhoneNumber', 30),
    str('PhoneNumberType', 1),
  ],
  navs: [],
});

export const businessPartnerService: ServiceDef = defineService('API_BUSINESS_PARTNER', 'LO-MD-BP', [
  businessPartnerSet, businessPartnerAddressSet, addressEmailSet, addressPhoneSet,
]);
