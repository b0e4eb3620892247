// Calendar tools over ISO dates (YYYY-MM-DD, proleptic Gregorian, UTC, no time zones), plus the
// date helpers the data generator uses to state dates relatively. No clock is ever read.
import { functionSchema, ToolError, type Tool } from './tool.ts';

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
export const ISO_DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date; throws ToolError on an impossible date. */
export function isoToDay(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  const t = Date.UTC(y, m - 1, d);
  if (!Number.isFinite(t) || dayToIso(t / DAY_MS) !== iso) throw new ToolError(`'${iso}' is not a valid date`);
  return t / DAY_MS;
}

export function dayToIso(day: number): string {
  const dt = new Date(day * DAY_MS);
  const y = dt.getUTCFullYear();
  return `${String(y).padStart(4, '0')}-${String(dt.getUTCMonth() + 1).padStart(2, '0')}-${String(dt.getUTCDate()).padStart(2, '0')}`;
}

export const weekdayOf = (iso: string): string => WEEKDAYS[(((isoToDay(iso) + 4) % 7) + 7) % 7];
export const addDays = (iso: string, n: number): string => dayToIso(isoToDay(iso) + n);

const dateParam = (description: string) => ({ type: 'string', pattern: ISO_DATE, description: `${description} (YYYY-MM-DD).` });

export const DATE_TOOLS: Tool[] = [
  {
    domain: 'dates',
    schema: functionSchema('add_days', 'Add (or subtract, with a negative count) days to a date.', {
      date: dateParam('Start date'),
      days: { type: 'integer', description: 'Number of days to add; negative goes back.' },
      skip_weekends: { type: 'boolean', description: 'Count only Monday to Friday (default false).' },
    }, ['date', 'days']),
    execute: (args) => {
      const start = isoToDay(args.date as string);
      let n = args.days as number;
      if (!args.skip_weekends) {
        const d = dayToIso(start + n);
        return { date: d, weekday: weekdayOf(d) };
      }
      if (Math.abs(n) > 10_000) throw new ToolError('days is too large to count business days');
      let day = start;
      const step = Math.sign(n);
      while (n !== 0) {
        day += step;
        const wd = (((day + 4) % 7) + 7) % 7;
        if (wd !== 0 && wd !== 6) n -= step;
      }
      return { date: dayToIso(day), weekday: weekdayOf(dayToIso(day)) };
    },
  },
  {
    domain: 'dates',
    schema: functionSchema('days_between', 'Number of days from one date to another.', {
      start_date: dateParam('First date'),
      end_date: dateParam('Second date'),
      inclusive: { type: 'boolean', description: 'Count both end dates (default false).' },
    }, ['start_date', 'end_date']),
    execute: (args) => {
      const n = isoToDay(args.end_date as string) - isoToDay(args.start_date as string);
      return { days: args.inclusive ? n + Math.sign(n || 1) : n };
    },
  },
  {
    domain: 'dates',
    schema: functionSchema('get_weekday', 'The day of the week of a date.', { date: dateParam('The date') }, ['date']),
    execute: (args) => ({ date: args.date, weekday: weekdayOf(args.date as string) }),
  },
  {
    domain: 'dates',
    schema: functionSchema('month_calendar', 'Facts about a month: its length, first weekday and number of weekend days.', {
      year: { type: 'integer', minimum: 1, maximum: 9999, description: 'The year.' },
      month: { type: 'integer', minimum: 1, maximum: 12, description: 'The month number, 1-12.' },
    }, ['year', 'month']),
    execute: (args) => {
      const y = args.year as number;
      const m = args.month as number;
      const first = Date.UTC(y, m - 1, 1) / DAY_MS;
      const days = (Date.UTC(y, m, 1) / DAY_MS) - first;
      let weekend = 0;
      for (let d = first; d < first + days; d++) {
        const wd = (((d + 4) % 7) + 7) % 7;
        if (wd === 0 || wd === 6) weekend++;
      }
      return { month: MONTHS[m - 1], days, first_weekday: WEEKDAYS[(((first + 4) % 7) + 7) % 7], weekend_days: weekend };
    },
  },
];
