// A newcomer's first runs, as the README tells them: the demo, a crash, a resume — from an empty
// data folder and from one whose run is already complete — and every backend with no service
// named: the demo starts its own redis-server or emulator, keeps it for the next run only after a
// crash, and stops it when a run ends.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, removeDir } from '@checkpointkit/test-services';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAlive } from '../src/backends/local-service.js';
import { type Outcome, requireBuiltDemo, result, runDemo, summaryOf } from './support/demo-runs.js';

requireBuiltDemo();

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});
function dataDir(label: string): string {
  const dir = makeTempDir(`demo-first-${label}`);
  dirs.push(dir);
  return dir;
}

/** No service handed over: what the demo does must not depend on the test's environment. */
const NO_SERVICES = { SPANNER_EMULATOR_HOST: '', DATASTORE_EMULATOR_HOST: '' };

function expectCrashed(outcome: Outcome): void {
  expect(outcome.signal, outcome.stderr).toBe('SIGKILL');
  expect(outcome.stderr).toMatch(/crash: SIGKILL after step \d+/);
}

describe('the README sequence: demo, crash, resume', () => {
  it('from an empty data folder, and again from a completed one', async () => {
    const dir = dataDir('sqlite');
    const args = ['--data-dir', dir];
    const events = 300;

    expectCrashed(await runDemo([...args, '--crash-after', '100'], { events }));
    const first = await runDemo([...args, '--json'], { events });
    expect(first.stderr).toMatch(/resuming from operation checkpoint/);
    const completed = summaryOf(first);
    expect(completed.ok).toBe(true);
    expect(completed.appliedEvents).toBe(events);

    // The run is complete: the documented crash must still crash (a new run), then resume.
    const crashed = await runDemo([...args, '--crash-after', '100'], { events });
    expect(crashed.stderr).toMatch(/the stored run is complete; --crash-after starts a new one/);
    expectCrashed(crashed);
    const resumed = await runDemo([...args, '--json'], { events });
    expect(resumed.stderr).toMatch(/resuming from operation checkpoint/);
    expect(result(summaryOf(resumed))).toEqual(result(completed));

    // And a run with nothing left to do says so.
    const idle = await runDemo([...args, '--json'], { events });
    expect(idle.stderr).toMatch(/the stored run is complete: nothing left to do/);
    expect(result(summaryOf(idle))).toEqual(result(completed));
  });
});

describe('--backend redis', () => {
  it('with a URL where no server listens: one line that says what to do, exit code 2', async () => {
    const port = await freePort(); // taken and released: nobody listens there
    const outcome = await runDemo([
      '--backend',
      'redis',
      '--redis-url',
      `redis://127.0.0.1:${port}`,
    ]);
    expect(outcome.code).toBe(2);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines, outcome.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^checkpointkit demo: cannot reach Redis at redis:\/\/127\.0\.0\.1:/);
    expect(outcome.stderr).not.toMatch(/Unhandled error event|at .*\.js:\d+/);
  });
});

/**
 * For each backend with no service named: a crashed run leaves the service it started (recorded
 * in the data folder) and the next run takes it over and resumes; the run that ends stops it.
 */
const SERVICES = [
  { backend: 'redis', title: 'a redis-server', events: 300 },
  { backend: 'spanner', title: 'a Spanner emulator', events: 80 },
  { backend: 'datastore', title: 'a Datastore emulator', events: 80 },
] as const;

describe.each(SERVICES)(
  '--backend $backend with no service named',
  ({ backend, title, events }) => {
    it(`starts ${title} of its own, keeps it across a crash, stops it at the end`, async () => {
      const dir = dataDir(backend);
      const args = ['--backend', backend, '--data-dir', dir];
      const options = { events, env: NO_SERVICES };
      const recordFile = join(dir, `${backend}.service.json`);

      const crashed = await runDemo([...args, '--crash-after', '40'], options);
      expect(crashed.stderr).toContain(`started ${title} at 127.0.0.1:`);
      expectCrashed(crashed);
      const record = JSON.parse(readFileSync(recordFile, 'utf8')) as {
        address: string;
        pid: number;
        group: boolean;
      };
      expect(record.address).not.toMatch(/:6379$/);
      expect(serviceAlive(record), 'the crashed run leaves its service for the next one').toBe(
        true,
      );

      const resumed = await runDemo([...args, '--json'], options);
      expect(resumed.stderr).toContain(`using ${title} at ${record.address}`);
      expect(resumed.stderr).toMatch(/resuming from operation checkpoint/);
      const summary = summaryOf(resumed);
      expect(summary.ok).toBe(true);
      expect(summary.appliedEvents).toBe(events);

      expect(existsSync(recordFile), 'the run that ends forgets the service').toBe(false);
      expect(serviceAlive(record), 'the run that ends stops the service').toBe(false);
    });
  },
);
