/**
 * SAP Gateway's OData V2 error body (PROTOCOLS.md 3.6) and the one error type the sandbox throws.
 * Codes are SAP message IDs (`CLASS/NUMBER`). Confirmed from SAP material: `V1/302`,
 * `/IWBEP/CM_MGW_RT/190` (412), `/IWBEP/CM_MGW_RT/194` (428), `/IWFND/MED/170`; the others follow
 * the same scheme but are the sandbox's choice (see README).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxReply } from '../../kit/sandboxServer';

export const SapCode = {
  salesDocumentNotFound: 'V1/302',
  resourceNotFound: '/IWBEP/CM_MGW_RT/020',
  serviceNotFound: '/IWFND/MED/170',
  propertyNotFound: '/IWCOR/CX_DS_EP_PROPERTY_ERROR',
  filterSyntax: '/IWCOR/CX_DS_EXPR_SYNTAX_ERROR',
  uriSyntax: '/IWCOR/CX_DS_URI_ERROR',
  payload: '/IWBEP/CM_MGW_RT/004',
  readOnly: '/IWBEP/CM_MGW_RT/051',
  invalidValue: 'V1/035',
  preconditionFailed: '/IWBEP/CM_MGW_RT/190',
  preconditionRequired: '/IWBEP/CM_MGW_RT/194',
  methodNotAllowed: '/IWBEP/CM_MGW_RT/021',
  batch: '/IWFND/CM_MGW/096',
  unauthorized: '/IWFND/CM_CONSUMER/101',
  tooLarge: '/IWFND/CM_MGW/413',
  internal: 'SY/530',
} as const;

export interface ErrorDetail {
  code: string;
  message: string;
  propertyref?: string;
  target?: string;
}

export interface ErrorApplication {
  component_id: string;
  service_namespace: string;
  service_id: string;
  service_version: string;
}

/** The error every handler throws; the dispatcher turns it into the V2 error body. */
export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const TIMESTAMP = (d: Date): string => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}0000`;

export function applicationFor(serviceId: string, componentId: string): ErrorApplication {
  return { component_id: componentId, service_namespace: '/SAP/', service_id: serviceId, service_version: '0001' };
}

export function errorBody(app: ErrorApplication, code: string, message: string, details: ErrorDetail[] = []): object {
  return {
    error: {
      code,
      message: { lang: 'en', value: message },
      innererror: {
        application: app,
        transactionid: randomBytes(16).toString('hex').toUpperCase(),
        timestamp: TIMESTAMP(new Date()),
        Error_Resolution: {
          SAP_Transaction: 'For backend administrators: use ADT feed reader "SAP Gateway Error Log" or run transaction /IWFND/ERROR_LOG on SAP Gateway hub system and search for entries with the timestamp above for more details',
          SAP_Note: 'See SAP Note 1797736 for error analysis (https://service.sap.com/sap/support/notes/1797736)',
        },
        errordetails: (details.length ? details : [{ code, message }]).map((d) => ({
          code: d.code, message: d.message, propertyref: d.propertyref ?? '', severity: 'error', target: d.target ?? '', transition: false,
        })),
      },
    },
  };
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The same error as V2 XML (`application/xml`), for clients that did not ask for JSON. */
function errorXml(app: ErrorApplication, code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><error xmlns="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">`
    + `<code>${escapeXml(code)}</code><message xml:lang="en">${escapeXml(message)}</message><innererror><application>`
    + `<component_id>${escapeXml(app.component_id)}</component_id><service_namespace>${app.service_namespace}</service_namespace>`
    + `<service_id>${escapeXml(app.service_id)}</service_id><service_version>${app.service_version}</service_version></application>`
    + `<transactionid>${randomBytes(16).toString('hex').toUpperCase()}</transactionid><timestamp>${TIMESTAMP(new Date())}</timestamp>`
    + `<errordetails/></innererror></error>`;
}

export function errorReply(
  status: number, code: string, message: string,
  opts: { app?: ErrorApplication; xml?: boolean; details?: ErrorDetail[]; headers?: Record<string, string> } = {},
): SandboxReply {
  const app = opts.app ?? applicationFor('', '');
  const headers: Record<string, string> = { ...(opts.headers ?? {}), dataserviceversion: '1.0' };
  if (opts.xml) return { status, headers: { ...headers, 'content-type': 'application/xml;charset=utf-8' }, body: errorXml(app, code, message) };
  return { status, headers: { ...headers, 'content-type': 'application/json;charset=utf-8' }, body: errorBody(app, code, message, opts.details) };
}

/** `errorReply` for the kit (faults, unrouted paths, 405, 413, crashes): kit codes mapped to SAP message IDs. */
export function kitErrorReply(status: number, code: string, message: string): SandboxReply {
  const mapped: Record<string, [string, string]> = {
    NOT_FOUND: [SapCode.serviceNotFound, 'No service found for namespace \'\', name \'\', version \'0001\''],
    METHOD_NOT_ALLOWED: [SapCode.methodNotAllowed, message],
    REQUEST_TOO_LARGE: [SapCode.tooLarge, message],
    UNKNOWN_EXCEPTION: [SapCode.internal, 'An exception was raised.'],
    BAD_REQUEST: [SapCode.uriSyntax, message],
  };
  const [sapCode, text] = mapped[code] ?? [code, message];
  return errorReply(status, sapCode, text);
}
