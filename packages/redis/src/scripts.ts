/**
 * Running the adapter's Lua scripts: EVALSHA, and on NOSCRIPT (a server that restarted, a
 * SCRIPT FLUSH, a Cluster master that never saw the script) EVAL once, which also caches it.
 * `setup()` loads every script on every master so that steady-state calls are one EVALSHA.
 *
 * The adapter does not use ioredis' defineCommand: it would add methods to a client the user
 * owns, and its first call on each connection sends the whole script body anyway.
 */
import { createHash } from 'node:crypto';
import { dataNodes, type RedisClient } from './connection.js';
import { redisCall } from './errors.js';
import { journaledLua, keyedLua } from './lua/journal.js';

/**
 * How a write script survives a lost reply (lua/journal.ts): `journaled` records its reply for
 * resends, `keyed` is recognised by the nonce in its own record. Reads and idempotent writes
 * have neither.
 */
export type WriteKind = 'journaled' | 'keyed';

export interface RedisScript {
  /** For error messages. */
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
  readonly write?: WriteKind;
}

export type ScriptArg = string | number | Buffer;

export function defineScript(name: string, body: string, write?: WriteKind): RedisScript {
  const lua =
    write === 'journaled' ? journaledLua(body) : write === 'keyed' ? keyedLua(body) : body;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex'), write };
}

function isNoScript(error: unknown): boolean {
  return String((error as { message?: string } | null)?.message ?? '').startsWith('NOSCRIPT');
}

export class ScriptRunner {
  constructor(private readonly client: RedisClient) {}

  /** The script's reply with bulk strings decoded as UTF-8. */
  run(script: RedisScript, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    return redisCall(script.name, () => this.runUntranslated(script, keys, args));
  }

  /** As run, but the driver's error as thrown: journal.ts must tell a lost reply from the rest. */
  async runUntranslated(
    script: RedisScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await this.client.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  /** The script's reply with bulk strings as Buffers: for scripts that return stored bytes. */
  runBuffer(
    script: RedisScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    return redisCall(script.name, async () => {
      try {
        return await this.client.callBuffer('EVALSHA', script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await this.client.callBuffer('EVAL', script.lua, keys.length, ...keys, ...args);
      }
    });
  }

  /** SCRIPT LOAD of every script on every server that holds data. Idempotent. */
  async load(scripts: readonly RedisScript[]): Promise<void> {
    const nodes = await redisCall('setup', () => dataNodes(this.client));
    await Promise.all(
      nodes.map((node) =>
        redisCall('setup: SCRIPT LOAD', async () => {
          for (const script of scripts) await node.script('LOAD', script.lua);
        }),
      ),
    );
  }
}
