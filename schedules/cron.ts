import { CronExpressionParser } from 'cron-parser';
import type { FieldError } from '../schemas/parse-contract.ts';

/**
 * The pure half of scheduling: when does a schedule run? Standard five-field cron read as wall-clock time
 * in an IANA zone (cron-parser, the parser pg-boss's own cron uses). Across DST: a time the clocks skip
 * (02:30 on a spring-forward night in Berlin) runs once at the same distance past the jump (03:30 local);
 * a time the clocks repeat (02:30 on the fall-back night) runs once, at its first occurrence.
 */

/** An IANA zone name Node's ICU knows ("Asia/Kolkata"); `UTC` too. */
export function isKnownTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Field errors for a cron expression and zone; empty when both are good. */
export function checkCron(cron: string, timeZone: string): FieldError[] {
  const errors: FieldError[] = [];
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    errors.push({
      field: 'cron',
      rule: 'five fields: minute hour day-of-month month day-of-week (e.g. "0 9 * * 1"); the zone goes in timeZone',
    });
  } else {
    try {
      CronExpressionParser.parse(cron, { tz: 'UTC', strict: false });
    } catch (err) {
      errors.push({ field: 'cron', rule: `not a valid cron expression: ${(err as Error).message}` });
    }
  }
  if (!isKnownTimeZone(timeZone))
    errors.push({ field: 'timeZone', rule: 'an IANA time zone such as "Asia/Kolkata" or "Europe/Berlin"' });
  return errors;
}

/** The next `count` instants strictly after `after` at which `cron` fires in `timeZone`. */
export function nextRuns(cron: string, timeZone: string, after: Date, count = 1): Date[] {
  const it = CronExpressionParser.parse(cron, { tz: timeZone, currentDate: after });
  const out: Date[] = [];
  for (let i = 0; i < count; i++) out.push(it.next().toDate());
  return out;
}

export function nextRun(cron: string, timeZone: string, after: Date): Date {
  return nextRuns(cron, timeZone, after, 1)[0]!;
}
