/**
 * Base64 and base64url over bytes with `btoa`/`atob`, which every runtime has (Node's `Buffer`
 * does not exist on edge runtimes or in browsers). Internal: not exported from any entry.
 */

/** Base64 (or, with `url`, unpadded base64url) of `bytes`. */
export function encodeBase64(bytes: Uint8Array, url = false): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short for large inputs.
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  const base64 = btoa(binary);
  return url ? base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : base64;
}

/** The bytes of base64 or base64url text, padded or not. Throws on characters outside both alphabets. */
export function decodeBase64(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (char) => char.charCodeAt(0));
}
