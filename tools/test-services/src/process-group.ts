/** Stopping the services this package starts: each leads a process group of its own. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** `/proc/<pid>/stat` after the command: state, ppid, pgrp, …; null if gone (or no /proc). */
function statOf(pid: number | string): string[] | null {
  try {
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Whether the process `pid` still runs (a zombie does not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = statOf(pid);
  return stat === null ? existsSync('/proc') === false : stat[0] !== 'Z';
}

/**
 * Whether a process of the group `pgid` still runs. Zombies do not count: a service another
 * process started (the demo takes over one a crashed run left) is reaped by whoever inherited it,
 * maybe late. Where there is no /proc, any process of the group counts.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    const stat = statOf(pid); // null: gone meanwhile
    return stat !== null && Number(stat[2]) === pgid && stat[0] !== 'Z';
  });
}

function signal(pid: number, group: boolean, name: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, name);
  } catch {
    // gone already
  }
}

/** Whether the process `pid` (or, with `group`, a process of the group `pid` leads) still runs. */
export function running(pid: number, options: { readonly group?: boolean } = {}): boolean {
  return options.group ? processGroupAlive(pid) : processAlive(pid);
}

/**
 * SIGTERM to the process `pid` — with `group`, to its whole process group — and SIGKILL after
 * `graceMs`; resolves once none of it is left (a wrapper's child such as the Datastore emulator's
 * JVM, or the Spanner gateway's emulator_main, would otherwise hold the port).
 */
export async function stopProcess(
  pid: number,
  options: { readonly group?: boolean; readonly graceMs?: number } = {},
): Promise<void> {
  const group = options.group ?? false;
  signal(pid, group, 'SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 5_000);
  while (running(pid, { group }) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (running(pid, { group })) signal(pid, group, 'SIGKILL');
  while (running(pid, { group })) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** stopProcess for the process group `pgid` leads. */
export function stopProcessGroup(pgid: number, graceMs = 5_000): Promise<void> {
  return stopProcess(pgid, { group: true, graceMs });
}

/** For exit handlers: no waiting. */
export function killProcessGroupNow(pgid: number): void {
  signal(pgid, true, 'SIGKILL');
}
