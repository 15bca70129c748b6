// The checkpoint payload of step n: (n % 4) × 64 KiB + n bytes, each derived from n.
export function payload(step) {
  const bytes = new Uint8Array((step % 4) * 64 * 1024 + step);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + step * 7) & 0xff;
  return bytes;
}
