/** Exponential backoff with jitter, for API errors (re-watching, re-opening after 429/5xx). Pure: randomness is injected. */
export interface BackoffOptions {
  /** The first delay. Default 500 ms. */
  initialMs?: number;
  /** The longest delay. Default 30 s. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay taken off at random (0-1). Default 0.2. */
  jitter?: number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): initial * factor^attempt, capped at max, less a
 * random share of `jitter` (`random()` in [0, 1), Math.random in the shell, a constant in tests). A server's
 * Retry-After, when given, is honoured as a floor.
 */
export function backoffDelay(attempt: number, random: () => number, opts: BackoffOptions = {}, retryAfterMs?: number): number {
  const initial = opts.initialMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const factor = opts.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.2));
  const base = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt)));
  const delay = Math.round(base * (1 - jitter * random()));
  return retryAfterMs !== undefined ? Math.max(delay, retryAfterMs) : delay;
}

/** True for API answers worth retrying: throttling, server errors and timeouts; never 4xx such as 403 or 404. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 429 || status === 408 || status >= 500;
}
