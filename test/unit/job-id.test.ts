import { describe, expect, it } from 'vitest';
import { jobIdFor, requestHash } from '../../jobs/job-id.ts';

describe('job ids', () => {
  it('are derived from workspace and request id alone, stably', () => {
    expect(jobIdFor('ws', 'r1')).toBe(jobIdFor('ws', 'r1'));
    expect(jobIdFor('ws', 'r1')).toMatch(/^exp_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(jobIdFor('ws', 'r1')).not.toBe(jobIdFor('ws2', 'r1'));
    // The separator keeps ('ab','c') and ('a','bc') apart.
    expect(jobIdFor('ab', 'c')).not.toBe(jobIdFor('a', 'bc'));
  });

  it('hash request bodies independent of key order but not of values', () => {
    expect(requestHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(requestHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ a: 1, b: undefined })).toBe(requestHash({ a: 1 }));
  });
});
