/** Checkpoint key rules (the contract, §1: docs/contract.md) and the byte-wise key order. */
import { compareUtf8 } from '../bytes.js';
import { requireObject, requireText } from '../validation.js';
import type { CheckpointKey, NormalizedCheckpointKey } from './types.js';

export const PROJECT_PATTERN = /^[a-z0-9-]{1,40}$/;
export const PROCESS_ID_PATTERN = /^[a-z0-9\-/]{1,64}$/;
export const MAX_RESOURCE_ID_BYTES = 1024;
export const MAX_UNIQUIFIER_BYTES = 1024;

export function requireProject(value: unknown, field = 'project'): string {
  return requireText(field, value, { maxBytes: 40, pattern: PROJECT_PATTERN });
}

export function requireResourceId(value: unknown, field = 'resourceId'): string {
  return requireText(field, value, { minBytes: 1, maxBytes: MAX_RESOURCE_ID_BYTES });
}

export function requireProcessId(value: unknown, field = 'processId'): string {
  return requireText(field, value, { maxBytes: 64, pattern: PROCESS_ID_PATTERN });
}

export function requireUniquifier(value: unknown, field = 'uniquifier'): string {
  return requireText(field, value ?? '', { maxBytes: MAX_UNIQUIFIER_BYTES });
}

export function requireCheckpointKey(value: unknown, field = 'key'): NormalizedCheckpointKey {
  const key = requireObject(field, value);
  return {
    project: requireProject(key.project, `${field}.project`),
    resourceId: requireResourceId(key.resourceId, `${field}.resourceId`),
    processId: requireProcessId(key.processId, `${field}.processId`),
    uniquifier: requireUniquifier(key.uniquifier, `${field}.uniquifier`),
  };
}

/** Byte-wise: project, resourceId, processId, uniquifier. */
export function compareCheckpointKeys(a: CheckpointKey, b: CheckpointKey): number {
  return (
    compareUtf8(a.project, b.project) ||
    compareUtf8(a.resourceId, b.resourceId) ||
    compareUtf8(a.processId, b.processId) ||
    compareUtf8(a.uniquifier ?? '', b.uniquifier ?? '')
  );
}

/** Sorts in place, byte-wise by project, resourceId, processId, uniquifier. */
export function sortKeys(keys: CheckpointKey[]): void {
  keys.sort(compareCheckpointKeys);
}
