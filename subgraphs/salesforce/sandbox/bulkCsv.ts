/**
 * The CSV of Bulk API 2.0 (RFC 4180, comma, LF or CRLF): parsing an uploaded batch into rows, and
 * writing result rows. Every written field is quoted, as Salesforce writes its result files
 * (`"sf__Id","sf__Created","Email"`). `#N/A` in an upload means "set the field to null"; an empty
 * field leaves it unchanged.
 */

/** The value jsforce and Salesforce use in an upload to set a field to null. */
export const CSV_NULL = '#N/A';

export class CsvError extends Error {}

/** Parse CSV text into rows of fields; throws CsvError on an unterminated quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i] as string;
    if (ch === '"' && field === '') {
      const close = readQuoted(text, i + 1);
      field = close.value;
      i = close.next;
      continue;
    }
    if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readQuoted(text: string, start: number): { value: string; next: number } {
  let value = '';
  let i = start;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) throw new CsvError('unterminated quoted field');
    value += text.slice(i, q);
    if (text[q + 1] === '"') {
      value += '"';
      i = q + 2;
    } else return { value, next: q + 1 };
  }
}

/** One CSV line (with its LF), every field quoted. */
export function csvLine(fields: ReadonlyArray<string | null | undefined>): string {
  return `${fields.map((f) => `"${(f ?? '').replace(/"/g, '""')}"`).join(',')}\n`;
}
