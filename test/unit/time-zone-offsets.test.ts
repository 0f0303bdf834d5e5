import { describe, expect, it } from 'vitest';
import type { OffsetSegment } from '../../metrics/plan.ts';
import {
  offsetSegments,
  offsetSegmentsBy,
  SAMPLE_STEP_MS,
  zoneOffsetAt,
  type OffsetAt,
} from '../../metrics/time-zone-offsets.ts';
import { MAX_METRIC_SPAN_DAYS } from '../../schemas/metric-request.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The reference: every hour, and an hour that changes walked second by second. */
function bruteForce(offsetAt: OffsetAt, startMs: number, endMs: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [{ fromEpoch: null, offsetSeconds: offsetAt(startMs) }];
  let current = segments[0]!.offsetSeconds;
  let t = startMs;
  while (t < endMs) {
    const next = Math.min(t + HOUR, endMs);
    if (offsetAt(next) === current) {
      t = next;
      continue;
    }
    let second = Math.floor(t / 1000) + 1;
    while (offsetAt(second * 1000) === current) second += 1;
    current = offsetAt(second * 1000);
    segments.push({ fromEpoch: second, offsetSeconds: current });
    t = second * 1000;
  }
  return segments;
}

const span = (from: string, to: string): [number, number] => [Date.parse(from), Date.parse(to)];

describe('time-zone offsets from transitions', () => {
  const spans: [string, [number, number]][] = [
    ['2010-06 → 2013-02', span('2010-06-15T07:13:00Z', '2013-02-01T00:00:00Z')],
    ['2024', span('2024-01-01T00:00:00Z', '2024-12-31T23:00:00Z')],
    ['one day', span('2024-03-30T12:00:00Z', '2024-03-31T12:00:00Z')],
    ['from a change', span('2024-03-31T01:00:00Z', '2024-11-01T00:00:00Z')],
    ['an instant', span('2024-03-31T01:00:00Z', '2024-03-31T01:00:00Z')],
  ];
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'Pacific/Apia',
    'UTC',
  ];
  for (const zone of zones) {
    for (const [name, [startMs, endMs]] of spans) {
      it(`${zone}, ${name}: same segments as the brute-force reference`, () => {
        expect(offsetSegments(zone, startMs, endMs)).toEqual(bruteForce(zoneOffsetAt(zone), startMs, endMs));
      });
    }
  }

  it('finds the week of summer time America/Noronha had in October 2000', () => {
    const [startMs, endMs] = span('2000-09-01T00:00:00Z', '2000-11-30T00:00:00Z');
    const segments = offsetSegments('America/Noronha', startMs, endMs);
    expect(segments).toEqual(bruteForce(zoneOffsetAt('America/Noronha'), startMs, endMs));
    expect(segments.map((s) => s.offsetSeconds)).toEqual([-7200, -3600, -7200]);
  });

  it('sees Pacific/Apia skip 30 December 2011 and Lord Howe move by 30 minutes', () => {
    const apia = offsetSegments('Pacific/Apia', ...span('2011-12-01T00:00:00Z', '2012-01-15T00:00:00Z'));
    expect(apia).toEqual([
      { fromEpoch: null, offsetSeconds: -10 * 3600 },
      { fromEpoch: Date.parse('2011-12-30T10:00:00Z') / 1000, offsetSeconds: 14 * 3600 },
    ]);
    const howe = offsetSegments(
      'Australia/Lord_Howe',
      ...span('2024-01-01T00:00:00Z', '2024-12-31T00:00:00Z'),
    );
    expect(howe.map((s) => s.offsetSeconds)).toEqual([39_600, 37_800, 39_600]);
  });

  it('the largest allowed span: brute force agrees', () => {
    const [startMs] = span('2015-01-01T00:00:00Z', '2015-01-01T00:00:00Z');
    const endMs = startMs + MAX_METRIC_SPAN_DAYS * DAY;
    for (const zone of ['Australia/Lord_Howe', 'America/New_York']) {
      expect(offsetSegments(zone, startMs, endMs)).toEqual(bruteForce(zoneOffsetAt(zone), startMs, endMs));
    }
  });

  it('costs a sample per six days plus a bisection per change, not an evaluation per hour', () => {
    const startMs = Date.parse('2015-01-01T00:00:00Z');
    const endMs = startMs + MAX_METRIC_SPAN_DAYS * DAY;
    const samples = Math.ceil((endMs - startMs) / SAMPLE_STEP_MS) + 1;
    const bisection = Math.ceil(Math.log2(SAMPLE_STEP_MS / 1000)) + 1;
    for (const zone of ['Europe/Berlin', 'Australia/Lord_Howe', 'UTC']) {
      const real = zoneOffsetAt(zone);
      let calls = 0;
      const counted: OffsetAt = (ms) => {
        calls += 1;
        return real(ms);
      };
      const segments = offsetSegmentsBy(counted, startMs, endMs);
      const changes = segments.length - 1;
      expect(calls, zone).toBeLessThanOrEqual(samples + changes * bisection);
      // 3,700 days hourly would be 88,800 evaluations; the old 12-hour scan 7,400.
      expect(calls, zone).toBeLessThan(1_100);
    }
  });
});
