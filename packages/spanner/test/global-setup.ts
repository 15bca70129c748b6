/**
 * Starts the Spanner emulators the test files share — a plain one and one with
 * `--enable_fault_injection` (random aborted commits) — on free loopback ports, and stops both
 * of their process groups after the run, also when tests fail. Test files read them with
 * inject('spanner') and make their own databases (./support/emulator.ts). A machine without the
 * emulator fails here with what to install: the Spanner tests are never skipped.
 */
import { SpannerEmulator } from '@checkpointkit/test-services';
import type { TestProject } from 'vitest/node';

export interface SpannerTestEmulators {
  /** SPANNER_EMULATOR_HOST of the plain emulator. */
  readonly plain: string;
  /** SPANNER_EMULATOR_HOST of the emulator started with --enable_fault_injection. */
  readonly faulty: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    spanner: SpannerTestEmulators;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: SpannerEmulator[] = [];
  const teardown = async (): Promise<void> => {
    await Promise.all(started.map((e) => e.stop()));
  };
  try {
    const plain = await SpannerEmulator.start();
    started.push(plain);
    const faulty = await SpannerEmulator.start({ faultInjection: true });
    started.push(faulty);
    project.provide('spanner', { plain: plain.hostPort, faulty: faulty.hostPort });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
