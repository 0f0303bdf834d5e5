import { describe, expect, it } from 'vitest';
import { ErrorCodes, SluiceError } from '../../core/errors.ts';

describe('error codes', () => {
  it('each code equals its key, so a code can never drift from its name', () => {
    for (const [key, code] of Object.entries(ErrorCodes)) expect(code).toBe(key);
  });

  it('carries code, retry decision and cause', () => {
    const cause = new Error('socket hang up');
    const err = new SluiceError('SINK_WRITE_FAILED', 'upload failed', { retriable: true, cause });
    expect(err).toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: true, cause });
    expect(new SluiceError('USAGE', 'x').retriable).toBe(false);
  });
});
