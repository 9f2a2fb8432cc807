// Node-only: reaching Redis. BullMQ and ioredis are imported here, dynamically, so nothing loads them until
// a study runs on a queue or a worker starts.
import type { RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-url.js';

/** The set of the queue names of the studies under way, which workers watch. */
export const STUDIES_KEY = 'heavyball:studies';

/** Redis refused the credentials (`auth`) or could not be reached (`unreachable`). */
export class QueueConnectionError extends Error {
  constructor(message: string, readonly reason: 'auth' | 'unreachable') {
    super(message);
    this.name = 'QueueConnectionError';
  }
}

export function loadBullmq(): Promise<typeof import('bullmq')> {
  return import('bullmq');
}

/** Connection options for long-lived clients: reconnect for ever, and let commands wait for it. */
export function lastingConnection(target: RedisTarget): RedisOptions {
  return { ...target.connection, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 100, 2000) };
}

/** A client for plain commands (the studies set), reconnecting like BullMQ's own. */
export async function redisClient(target: RedisTarget) {
  const { Redis } = await import('ioredis');
  return new Redis(lastingConnection(target));
}

/**
 * Connects once, without retrying, and says clearly what is wrong: a refused password, or no Redis there.
 * The messages name the URL without its password.
 */
export async function checkRedis(target: RedisTarget): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...target.connection, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 10_000 });
  // A refused AUTH arrives as an 'error' event, and connect() then rejects only with "Connection is closed".
  let refused: Error | undefined;
  client.on('error', (error: Error) => (refused ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const message = (refused ?? (error as Error)).message;
    if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
      throw new QueueConnectionError(`Redis at ${target.display} refused the credentials: ${message.split('\n')[0]!.replace(/^ReplyError: /, '')}`, 'auth');
    }
    throw new QueueConnectionError(`cannot reach Redis at ${target.display}: ${message.split('\n')[0]}`, 'unreachable');
  } finally {
    client.disconnect();
  }
}

/** Tells `log` once when `client` loses Redis (ioredis then retries quietly) and once when it is back. */
export function reportOutages(client: { on(event: string, listener: (...args: unknown[]) => void): unknown }, log: (message: string) => void, display: string): void {
  let down = false;
  let lastError = '';
  client.on('error', (error) => (lastError = ` (${(error as Error).message.split('\n')[0]})`));
  client.on('reconnecting', () => {
    if (down) return;
    down = true;
    log(`lost Redis at ${display}${lastError}; reconnecting`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    lastError = '';
    log(`reconnected to Redis at ${display}`);
  });
}
