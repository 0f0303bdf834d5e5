import { describe, expect, it } from 'vitest';
import { checkCron, nextRuns } from '../../schedules/cron.ts';
import { splitByView, viewKeyOf } from '../../schedules/views.ts';

/** Local wall-clock "YYYY-MM-DD HH:MM" of an instant in a zone. */
function local(d: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('next run times', () => {
  it('every Monday at 09:00 IST is 03:30 UTC, all year (no DST in Asia/Kolkata)', () => {
    const runs = nextRuns('0 9 * * 1', 'Asia/Kolkata', new Date('2026-03-01T00:00:00Z'), 40);
    expect(new Set(runs.map((d) => d.toISOString().slice(11)))).toEqual(new Set(['03:30:00.000Z']));
    expect(runs.every((d) => local(d, 'Asia/Kolkata').endsWith(' 09:00'))).toBe(true);
    expect(iso(runs.slice(0, 2))).toEqual(['2026-03-02T03:30:00.000Z', '2026-03-09T03:30:00.000Z']);
  });

  const cases = [
    {
      name: 'Europe/Berlin 09:00 daily keeps 09:00 local across spring forward (UTC+1 → UTC+2)',
      cron: '0 9 * * *',
      zone: 'Europe/Berlin',
      from: '2026-03-27T12:00:00Z',
      utc: ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    },
    {
      name: 'Europe/Berlin 09:00 daily keeps 09:00 local across fall back (UTC+2 → UTC+1)',
      cron: '0 9 * * *',
      zone: 'Europe/Berlin',
      from: '2026-10-24T12:00:00Z',
      utc: ['2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z'],
    },
    {
      name: 'Europe/Berlin 02:30, a time skipped on 29 March: runs once, at 03:30 local',
      cron: '30 2 * * *',
      zone: 'Europe/Berlin',
      from: '2026-03-28T12:00:00Z',
      utc: ['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
    },
    {
      name: 'Europe/Berlin 02:30, a time repeated on 25 October: runs once, at the first 02:30',
      cron: '30 2 * * *',
      zone: 'Europe/Berlin',
      from: '2026-10-24T12:00:00Z',
      utc: ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    },
    {
      name: 'America/New_York 09:00 across both 2026 transitions (8 March, 1 November)',
      cron: '0 9 * * *',
      zone: 'America/New_York',
      from: '2026-03-07T00:00:00Z',
      utc: ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    },
    {
      name: 'America/New_York 01:30 on the fall-back night: once',
      cron: '30 1 * * *',
      zone: 'America/New_York',
      from: '2026-10-31T12:00:00Z',
      utc: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(iso(nextRuns(c.cron, c.zone, new Date(c.from), c.utc.length))).toEqual(c.utc);
    });
  }

  it('a daily schedule runs exactly once per local day through a whole year of both Berlin transitions', () => {
    const runs = nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-01-01T00:00:00Z'), 365);
    const days = runs.map((d) => local(d, 'Europe/Berlin').slice(0, 10));
    expect(new Set(days).size).toBe(365);
    expect(days[0]).toBe('2026-01-01');
    expect(days[364]).toBe('2026-12-31');
  });

  it('a per-minute cron in Asia/Kolkata fires on every minute boundary', () => {
    const runs = nextRuns('* * * * *', 'Asia/Kolkata', new Date('2026-12-04T10:00:30Z'), 3);
    expect(iso(runs)).toEqual([
      '2026-12-04T10:01:00.000Z',
      '2026-12-04T10:02:00.000Z',
      '2026-12-04T10:03:00.000Z',
    ]);
  });
});

describe('checkCron', () => {
  const bad = [
    { cron: '0 9 * *', zone: 'UTC', field: 'cron' },
    { cron: '61 9 * * 1', zone: 'UTC', field: 'cron' },
    { cron: '0 9 * * 8', zone: 'UTC', field: 'cron' },
    { cron: 'CRON_TZ=Asia/Kolkata 0 9 * * 1', zone: 'UTC', field: 'cron' },
    { cron: '0 9 * * 1', zone: 'Mars/Olympus_Mons', field: 'timeZone' },
    { cron: '0 9 * * 1', zone: 'Asia/Kolkatta', field: 'timeZone' },
  ];
  for (const b of bad) {
    it(`rejects ${b.cron} in ${b.zone}, naming ${b.field}`, () => {
      expect(checkCron(b.cron, b.zone).map((e) => e.field)).toEqual([b.field]);
    });
  }
  it('accepts the seed’s schedule', () => {
    expect(checkCron('0 9 * * 1', 'Asia/Kolkata')).toEqual([]);
    expect(checkCron('*/15 8-18 * * MON-FRI', 'America/New_York')).toEqual([]);
  });
});

describe('views of recipients', () => {
  it('recipients whose grants are equal (in any order, with duplicates) share a view', () => {
    const split = splitByView([
      { recipient: 'a@x.example', grants: [{ region: ['North', 'South'] }] },
      { recipient: 'b@x.example', grants: [{ region: ['South', 'North', 'North'] }] },
      { recipient: 'c@x.example', grants: ['all'] },
      { recipient: 'd@x.example', grants: [{ region: ['North'] }, 'all'] },
      { recipient: 'e@x.example', grants: [] },
      { recipient: 'f@x.example', grants: [{ region: ['North'] }] },
    ]);
    expect(split.views.map((v) => v.recipients)).toEqual([
      ['a@x.example', 'b@x.example'],
      ['c@x.example', 'd@x.example'],
      ['f@x.example'],
    ]);
    expect(split.withoutPolicy).toEqual(['e@x.example']);
  });

  it('the key does not depend on the order of grants or of dimensions', () => {
    expect(viewKeyOf([{ region: ['N'], entity: ['1'] }, { region: ['S'] }])).toBe(
      viewKeyOf([{ region: ['S'] }, { entity: ['1'], region: ['N'] }]),
    );
  });
});
