// What `--queue redis://[user:password@]host:port[/db]` (or rediss:// for TLS) says, and how to print it.

/** Where the queue is: the connection options BullMQ (ioredis) takes, and the URL with its password hidden. */
export interface RedisTarget {
  connection: { host: string; port: number; db: number; username?: string; password?: string; tls?: Record<string, never> };
  /** The URL without the password, for logs and messages. */
  display: string;
}

export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

/** Parses a redis:// or rediss:// URL; a bad one throws a RedisUrlError that never repeats the password. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError('the queue must be a URL redis://[user:password@]host:port[/db] or rediss://…');
  }
  const display = redactedUrl(url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisUrlError(`the queue URL must start with redis:// or rediss://, got ${display}`);
  }
  if (url.hostname === '') throw new RedisUrlError(`the queue URL names no host: ${display}`);
  if (url.search !== '' || url.hash !== '') throw new RedisUrlError(`the queue URL takes no ?query or #fragment: ${display}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!/^\d*$/.test(path) || !Number.isSafeInteger(db)) throw new RedisUrlError(`the queue URL's database must be a number, as in redis://host:6379/0, got ${display}`);
  return {
    connection: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      db,
      username: url.username === '' ? undefined : decodeURIComponent(url.username),
      password: url.password === '' ? undefined : decodeURIComponent(url.password),
      tls: url.protocol === 'rediss:' ? {} : undefined,
    },
    display,
  };
}

function redactedUrl(url: URL): string {
  const password = url.password === '' ? '' : ':***';
  const user = url.username === '' && password === '' ? '' : `${url.username}${password}@`;
  return `${url.protocol}//${user}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
