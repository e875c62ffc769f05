/**
 * API_BUSINESS_PARTNER: read-only in the sandbox (business partners, addresses, email addresses,
 * phone numbers). Writes answer 405; `$batch` with read parts works.
 */
import { businessPartnerService } from './businessPartnerModel';
import type { EntitySetDef } from './edmModel';
import { createODataService, type ODataService, type ServiceDeps } from './odataService';
import { ODataError, SapCode } from './sapErrors';

function notFound(def: EntitySetDef): ODataError {
  return new ODataError(404, SapCode.resourceNotFound, `Resource not found for segment '${def.type}'`);
}

export function createBusinessPartnerService(deps: ServiceDeps): ODataService {
  return createODataService({
    ...deps,
    def: businessPartnerService,
    writers: new Map(),
    etagProperty: new Map(),
    etagOf: () => undefined,
    notFound,
  });
}
