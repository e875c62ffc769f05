/**
 * SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH ...) as half-open UTC millisecond ranges
 * [start, end), and the Salesforce datetime wire format. The sandbox's users all work in UTC.
 */
import { DAY_MS } from '../../kit/seedPeople';

export interface DateRange {
  start: number;
  end: number;
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function monthStart(ms: number, addMonths: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1);
}

function yearStart(ms: number, addYears: number): number {
  return Date.UTC(new Date(ms).getUTCFullYear() + addYears, 0, 1);
}

/** Weeks start on Sunday, as in the en_US locale. */
function weekStart(ms: number, addWeeks: number): number {
  const today = dayStart(ms);
  return today - new Date(today).getUTCDay() * DAY_MS + addWeeks * 7 * DAY_MS;
}

/** The range a date literal covers at instant `now`. */
export function dateLiteralRange(name: string, n: number, now: number): DateRange {
  const today = dayStart(now);
  switch (name) {
    case 'YESTERDAY': return { start: today - DAY_MS, end: today };
    case 'TODAY': return { start: today, end: today + DAY_MS };
    case 'TOMORROW': return { start: today + DAY_MS, end: today + 2 * DAY_MS };
    case 'LAST_WEEK': return { start: weekStart(now, -1), end: weekStart(now, 0) };
    case 'THIS_WEEK': return { start: weekStart(now, 0), end: weekStart(now, 1) };
    case 'NEXT_WEEK': return { start: weekStart(now, 1), end: weekStart(now, 2) };
    case 'LAST_MONTH': return { start: monthStart(now, -1), end: monthStart(now, 0) };
    case 'THIS_MONTH': return { start: monthStart(now, 0), end: monthStart(now, 1) };
    case 'NEXT_MONTH': return { start: monthStart(now, 1), end: monthStart(now, 2) };
    case 'LAST_90_DAYS': return { start: today - 90 * DAY_MS, end: today + DAY_MS };
    case 'NEXT_90_DAYS': return { start: today + DAY_MS, end: today + 91 * DAY_MS };
    case 'THIS_YEAR': return { start: yearStart(now, 0), end: yearStart(now, 1) };
    case 'LAST_YEAR': return { start: yearStart(now, -1), end: yearStart(now, 0) };
    case 'NEXT_YEAR': return { start: yearStart(now, 1), end: yearStart(now, 2) };
    case 'LAST_N_DAYS': return { start: today - n * DAY_MS, end: today + DAY_MS };
    case 'NEXT_N_DAYS': return { start: today + DAY_MS, end: today + (n + 1) * DAY_MS };
    case 'N_DAYS_AGO': return { start: today - n * DAY_MS, end: today - (n - 1) * DAY_MS };
    case 'LAST_N_WEEKS': return { start: weekStart(now, -n), end: weekStart(now, 0) };
    case 'NEXT_N_WEEKS': return { start: weekStart(now, 1), end: weekStart(now, n + 1) };
    case 'LAST_N_MONTHS': return { start: monthStart(now, -n), end: monthStart(now, 0) };
    case 'NEXT_N_MONTHS': return { start: monthStart(now, 1), end: monthStart(now, n + 1) };
    case 'LAST_N_YEARS': return { start: yearStart(now, -n), end: yearStart(now, 0) };
    case 'NEXT_N_YEARS': return { start: yearStart(now, 1), end: yearStart(now, n + 1) };
    default: throw new Error(`unknown date literal ${name}`);
  }
}

/** `2024-01-15T10:00:00.000+0000`, the datetime format of Salesforce's REST API. */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
