/** Group names and partitions are canonical: one case rule (lower case), applied by every method. */
import { requireName } from '../validation.js';

export const MAX_GROUP_NAME_BYTES = 256;

export function canonicalGroupName(value: unknown, field = 'name'): string {
  return requireName(
    field,
    typeof value === 'string' ? value.toLowerCase() : value,
    MAX_GROUP_NAME_BYTES,
  );
}

export function canonicalPartition(value: unknown, field = 'partition'): string {
  return canonicalGroupName(value, field);
}
