/** Number formats of the report: throughput with thousands separators, latencies to 3 digits. */
export function formatOpsPerSec(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value.toPrecision(3).replace(/\.?0+$/, '');
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

export function formatPerOp(value: number | null): string {
  if (value === null) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
