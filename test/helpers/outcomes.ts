/** What a promise rejected with (`undefined` when it resolved), for asserting on typed errors. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

/** What a call threw (`undefined` when it returned). */
export function failure(call: () => unknown): unknown {
  try {
    call();
    return undefined;
  } catch (error) {
    return error;
  }
}
