import { SluiceError } from '../core/errors.ts';
import type { OffsetSegment } from './plan.ts';

/** Real zones change offset at most a few times a year; no two changes are closer than this. */
const SCAN_STEP_MS = 12 * 3_600_000;

/** An IANA zone name the runtime knows, or REQUEST_INVALID naming the field. */
export function checkTimeZone(timeZone: string, field = 'timeZone'): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new SluiceError('REQUEST_INVALID', `${field}: unknown time zone ${JSON.stringify(timeZone)}`, {
      details: { errors: [{ field, rule: 'an IANA time zone, e.g. Europe/Berlin' }] },
    });
  }
}

/**
 * The zone's offsets between two instants, as segments: the first applies from the start, each next one
 * from the second its offset takes effect. Found by scanning in steps and bisecting each change to the
 * second, with the runtime's own tz database (Intl), so results match PostgreSQL's AT TIME ZONE.
 */
export function offsetSegments(timeZone: string, startMs: number, endMs: number): OffsetSegment[] {
  const format = checkTimeZone(timeZone);
  const offsetAt = (ms: number): number => offsetSecondsAt(format, ms);
  const segments: OffsetSegment[] = [{ fromEpoch: null, offsetSeconds: offsetAt(startMs) }];
  let previousMs = startMs;
  let previous = segments[0]!.offsetSeconds;
  for (let t = startMs + SCAN_STEP_MS; previousMs < endMs; t += SCAN_STEP_MS) {
    const at = Math.min(t, endMs);
    const offset = offsetAt(at);
    if (offset !== previous) {
      // Bisect (previousMs, at] for the first second with the new offset.
      let lo = Math.floor(previousMs / 1000);
      let hi = Math.floor(at / 1000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid * 1000) === previous) lo = mid;
        else hi = mid;
      }
      segments.push({ fromEpoch: hi, offsetSeconds: offset });
      previous = offset;
    }
    previousMs = at;
  }
  return segments;
}

function offsetSecondsAt(format: Intl.DateTimeFormat, ms: number): number {
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 1000);
}
