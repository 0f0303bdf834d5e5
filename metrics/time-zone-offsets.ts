import { SluiceError } from '../core/errors.ts';
import type { OffsetSegment } from './plan.ts';

/**
 * The coarse sampling step. A change is found wherever two samples differ, so a step only misses an offset
 * that comes and goes between two samples. The shortest such visit in the runtime's tz database since 1970
 * is Brazil's week of summer time in October 2000 (America/Noronha, Recife, Boa_Vista: 6 days 23 hours), so
 * six days is safe and keeps the largest allowed span (3,700 days) to about 620 samples plus ~20
 * evaluations per change.
 */
export const SAMPLE_STEP_MS = 6 * 86_400_000;

/** The zone's UTC offset in seconds at an instant (ms since 1970). */
export type OffsetAt = (ms: number) => number;

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
 * from the second its offset takes effect. Uses the runtime's own tz database (Intl), so results match
 * PostgreSQL's AT TIME ZONE.
 */
export function offsetSegments(timeZone: string, startMs: number, endMs: number): OffsetSegment[] {
  return offsetSegmentsBy(zoneOffsetAt(timeZone), startMs, endMs);
}

/** The zone's offset function, or REQUEST_INVALID naming `timeZone` if the runtime does not know it. */
export function zoneOffsetAt(timeZone: string): OffsetAt {
  const format = checkTimeZone(timeZone);
  return (ms) => offsetSecondsAt(format, ms);
}

/**
 * The segments of any offset function: sample it every SAMPLE_STEP_MS and bisect each difference to the
 * second, so the cost is the span over six days plus log2(six days in seconds) per change, not one evaluation
 * per hour or day of the span.
 */
export function offsetSegmentsBy(offsetAt: OffsetAt, startMs: number, endMs: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [{ fromEpoch: null, offsetSeconds: offsetAt(startMs) }];
  let current = segments[0]!.offsetSeconds;
  let fromMs = startMs;
  for (let t = startMs + SAMPLE_STEP_MS; fromMs < endMs; t += SAMPLE_STEP_MS) {
    const at = Math.min(t, endMs);
    const offset = offsetAt(at);
    // Usually one change per step; if two (A → B → C), bisect again from the first one found.
    while (offset !== current) {
      let lo = Math.floor(fromMs / 1000);
      let hi = Math.floor(at / 1000);
      let hiOffset = offset;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        const midOffset = offsetAt(mid * 1000);
        if (midOffset === current) lo = mid;
        else [hi, hiOffset] = [mid, midOffset];
      }
      segments.push({ fromEpoch: hi, offsetSeconds: hiOffset });
      current = hiOffset;
      fromMs = hi * 1000;
    }
    fromMs = at;
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
