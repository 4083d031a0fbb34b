/**
 * Per-network send pacing: a token bucket per channel that a rate limit (a 429, a Graph
 * throughput code) slows down, and that speeds up again, step by step, after clean sends.
 *
 * @internal
 * @module
 */

/** The pace of one channel. */
export interface ThrottleSettings {
  /** Sends per second at full speed. */
  perSecond: number;
  /** Sends allowed at once after a pause. @default perSecond (at least 1) */
  burst?: number;
}

/** Documented throughput: WhatsApp Cloud API numbers start at 80 messages per second; others stay conservative. */
export const DEFAULT_THROTTLE: Record<string, ThrottleSettings> = {
  whatsapp: { perSecond: 80 },
  messenger: { perSecond: 20 },
  telegram: { perSecond: 25 },
};
const FALLBACK: ThrottleSettings = { perSecond: 10 };

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface Bucket {
  /** Waits for a token. */
  take(signal?: AbortSignal): Promise<void>;
  /** A rate limit answered: halve the pace and hold every send for `waitMs`. */
  slowDown(waitMs: number): void;
  /** A send went through: recover a little of the configured pace. */
  succeeded(): void;
  /** The current pace, sends per second. */
  readonly rate: number;
}

export function createBucket(settings: ThrottleSettings, clock: () => number = Date.now): Bucket {
  const full = settings.perSecond;
  const burst = Math.max(1, settings.burst ?? Math.ceil(full));
  let rate = full;
  let tokens = burst;
  let refilledAt = clock();
  let holdUntil = 0;
  const refill = () => {
    const now = clock();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
  };
  return {
    get rate() {
      return rate;
    },
    async take(signal) {
      for (;;) {
        if (signal?.aborted) return;
        const held = holdUntil - clock();
        if (held > 0) {
          await pause(held, signal);
          continue;
        }
        refill();
        if (tokens >= 1) {
          tokens -= 1;
          return;
        }
        await pause(Math.ceil(((1 - tokens) / rate) * 1000), signal);
      }
    },
    slowDown(waitMs) {
      rate = Math.max(full / 64, rate / 2);
      tokens = Math.min(tokens, 1);
      holdUntil = Math.max(holdUntil, clock() + Math.max(0, waitMs));
    },
    succeeded() {
      if (rate < full) rate = Math.min(full, rate * 1.1);
    },
  };
}

/** The bucket settings of a channel id: an exact entry, else the network's (`whatsapp-tr` → `whatsapp`), else 10 per second. */
export function throttleFor(channel: string, overrides: Record<string, ThrottleSettings> = {}): ThrottleSettings {
  const network = Object.keys(DEFAULT_THROTTLE).find((name) => channel === name || channel.startsWith(`${name}-`));
  return overrides[channel] ?? (network ? overrides[network] ?? DEFAULT_THROTTLE[network] : undefined) ?? FALLBACK;
}
