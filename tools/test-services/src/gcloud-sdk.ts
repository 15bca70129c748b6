/**
 * The Google Cloud SDK on this machine, where the Spanner and Datastore emulators come from: its
 * root from CHECKPOINTKIT_GCLOUD_SDK_ROOT, else `gcloud info`, else the real path of `gcloud` on
 * PATH two folders up (<root>/bin/gcloud). A machine without it gets an error that says what to
 * install: the tests that need an emulator fail there, they are never skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** Overrides where the Google Cloud SDK is (the folder that holds `bin/` and `platform/`). */
export const GCLOUD_SDK_ROOT_ENV = 'CHECKPOINTKIT_GCLOUD_SDK_ROOT';

const DEFAULT_HINT = `install the Google Cloud SDK (gcloud), or set ${GCLOUD_SDK_ROOT_ENV} to its root`;

/** The SDK root, or an error ending with `installHint` (what the caller's emulator needs). */
export function gcloudSdkRoot(installHint = DEFAULT_HINT): string {
  const override = process.env[GCLOUD_SDK_ROOT_ENV];
  if (override) {
    if (!existsSync(override))
      throw new Error(`${GCLOUD_SDK_ROOT_ENV}=${override} does not exist; ${installHint}`);
    return override;
  }
  try {
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).trim();
    if (root && existsSync(root)) return root;
  } catch {
    // gcloud missing or broken: try its path below, then give up with the hint.
  }
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(folder, 'gcloud');
    if (folder && existsSync(candidate)) return dirname(dirname(realpathSync(candidate)));
  }
  throw new Error(`the Google Cloud SDK (gcloud) was not found; ${installHint}`);
}
