/**
 * --crash-after N [--crash-step NAME]: the process kills itself with SIGKILL right after its N-th
 * durable step (of that name, if given). The names are the pipeline's STEPS.
 */
import type { StepName } from './pipeline.js';

export interface CrashInjector {
  step(name: StepName): void;
}

export function createCrashInjector(
  afterSteps: number | null,
  only: StepName | null,
): CrashInjector {
  let steps = 0;
  return {
    step(name: StepName): void {
      if (only !== null && name !== only) return;
      steps++;
      if (afterSteps !== null && steps >= afterSteps) {
        process.stderr.write(`crash: SIGKILL after step ${steps} (${name})\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  };
}
