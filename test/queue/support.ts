/** Helpers shared by the queue tests. */

export const NATS_URL = process.env.SOCIAL_CRM_TEST_NATS_URL;
export const POSTGRES_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;

/** Unique per test run, so streams, subjects and schemas of parallel runs do not collide. */
export const RUN = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Polls `condition` until it holds, failing after `timeoutMs`. */
export async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await sleep(25);
  }
}

/** Options of a natsQueue on a stream of its own; the names are recorded for {@link deleteStreams}. */
export function natsStreamOptions(streams: string[], label: string) {
  const stream = `SCRM_${RUN}_${label}_${streams.length + 1}`;
  streams.push(stream);
  return { servers: NATS_URL!, stream, subject: `scrm.${RUN}.${label}.${streams.length}`, partitions: 4, ackWaitMs: 2000, retryDelayMs: 50 };
}

export async function deleteStreams(names: string[]): Promise<void> {
  if (!names.length) return;
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const connection = await connect({ servers: NATS_URL! });
  const manager = await jetstreamManager(connection);
  for (const name of names) await manager.streams.delete(name).catch(() => false);
  await connection.drain();
}
