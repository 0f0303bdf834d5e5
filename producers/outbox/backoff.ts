export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before the relay tries again after `failures` consecutive failed flushes: doubling from `initialMs`,
 * capped at `maxMs`, with ±20% jitter so relays in several API processes do not hit a recovering broker in
 * step. `random` is injectable so the curve can be tested.
 */
export function backoffDelay(failures: number, { initialMs, maxMs }: BackoffOptions, random = Math.random) {
  const exponent = Math.min(Math.max(failures - 1, 0), 30); // 2^30 is past any sane cap; avoids Infinity
  const base = Math.min(maxMs, initialMs * 2 ** exponent);
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random())));
}
