/**
 * Salesforce's REST error form: always an array `[{"message","errorCode","fields"?}]` with an HTTP
 * status. Code anywhere in the sandbox throws `SalesforceApiError`; the route wrapper turns it into
 * the reply. Collection save results use the same codes under the key `statusCode` instead.
 */
import type { SandboxReply } from '../../kit/sandboxServer';

export class SalesforceApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[] | undefined;

  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.name = 'SalesforceApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }

  toBody(): Array<Record<string, unknown>> {
    return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) }];
  }

  /** The element a collection SaveResult carries in `errors`. */
  toSaveError(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields ?? [] };
  }
}

/** Build the kit's error reply in Salesforce's shape. */
export function salesforceErrorReply(status: number, errorCode: string, message: string): SandboxReply {
  return { status, body: [{ message, errorCode }] };
}

export const notFound = (): SalesforceApiError =>
  new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');

export const sessionInvalid = (): SalesforceApiError =>
  new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export function invalidFieldMessage(field: string, entity: string): string {
  return `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
}

export function invalidTypeMessage(type: string): string {
  return `sObject type '${type}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`;
}

/**
 * Parse a JSON request body the way Salesforce reports problems: JSON_PARSER_ERROR with a message in
 * the style of its Jackson parser. `expect` says whether an object or an array is required.
 */
export function parseJsonBody(body: Buffer, expect: 'object' | 'array' | 'any' = 'object'): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'No content to map due to end-of-input at [line:1, column:0]');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'invalid JSON';
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', `Unexpected character in JSON input: ${detail} at [line:1, column:1]`);
  }
  const kind = Array.isArray(value) ? 'START_ARRAY' : value === null ? 'VALUE_NULL' : typeof value === 'object' ? 'START_OBJECT' : 'VALUE_SCALAR';
  if (expect === 'object' && kind !== 'START_OBJECT') {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of object from ${kind} value at [line:1, column:1]`);
  }
  if (expect === 'array' && kind !== 'START_ARRAY') {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of list from ${kind} value at [line:1, column:1]`);
  }
  return value;
}
