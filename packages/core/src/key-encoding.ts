/**
 * Injective keys for backends that store a composite key as one string (Redis keys, Datastore
 * key names). Each part is percent-escaped so that it never contains the separator `:` or the
 * Redis hash-tag braces, then the parts are joined with `:`. Because `%` itself is escaped,
 * ("a:b","c") and ("a","b:c") encode differently, and decoding gives back the exact parts.
 */

const NEEDS_ESCAPE = /[%:{}]/g;

export function encodeKeyPart(part: string): string {
  return part.replace(
    NEEDS_ESCAPE,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

export function decodeKeyPart(encoded: string): string {
  return encoded.replace(/%([0-9A-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

export function encodeKey(parts: readonly string[]): string {
  return parts.map(encodeKeyPart).join(':');
}

export function decodeKey(encoded: string): string[] {
  return encoded.split(':').map(decodeKeyPart);
}
