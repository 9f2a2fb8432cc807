// What a queued job may carry (checked before anything runs) and how a queue URL is read and shown.
import { describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { JOB_FORMAT, JobPayloadError, validateRunJob } from '../src/experiments/queue/job-schema.js';
import { parseRedisUrl, RedisUrlError } from '../src/experiments/queue/redis-url.js';
import type { RunConfig } from '../src/experiments/types.js';
import { BASE_CONFIG } from './helpers/study-records.js';

const config: RunConfig = {
  ...BASE_CONFIG,
  heavyball: version,
  data: { name: 'mnist', sha256: 'a'.repeat(64), validation: 200, splitSeed: 0, trainSize: 600 },
  model: 'mlp',
  layers: [784, 64, 10],
};
const job = (change: Record<string, unknown> = {}, configChange: Record<string, unknown> = {}) =>
  ({ format: JOB_FORMAT, config: { ...config, ...configChange }, limit: 800, ...change });
const refusal = (payload: unknown) => {
  try {
    validateRunJob(payload, version);
  } catch (error) {
    expect(error).toBeInstanceOf(JobPayloadError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('a job payload', () => {
  it('is accepted as a run of this version, whole', () => {
    expect(validateRunJob(job(), version)).toEqual(job());
    expect(validateRunJob(job({ limit: null }), version).limit).toBeNull();
  });

  it('names no file, module or code: any field beyond a run config is refused', () => {
    expect(refusal(job({}, { checkpoint: '/etc/passwd' }))).toBe('malformed job: config.checkpoint is not a field of a run');
    expect(refusal(job({ resume: 'x.safetensors' }))).toBe('malformed job: resume is not a field of a run');
    expect(refusal(job({}, { data: { ...config.data, dir: '/tmp' } }))).toBe('malformed job: config.data.dir is not a field of a run');
    expect(refusal(job({}, { data: { ...config.data, name: 'given' } }))).toBe('malformed job: config.data.name is out of range: "given"');
    expect(refusal(job({}, { optimizer: 'require("fs")' }))).toMatch(/^malformed job: config.optimizer is out of range/);
  });

  it('is refused with the field that is missing or out of range', () => {
    const { seed: _, ...noSeed } = config;
    expect(refusal({ ...job(), config: noSeed })).toBe('malformed job: config.seed is missing');
    expect(refusal(job({}, { momentum: 1 }))).toBe('malformed job: config.momentum is out of range: 1');
    expect(refusal(job({}, { lr: -0.1 }))).toBe('malformed job: config.lr is out of range: -0.1');
    expect(refusal(job({}, { layers: [784, 1 << 20, 10] }))).toBe('malformed job: config.layers is out of range: [784,1048576,10]');
    expect(refusal(job({}, { batchSize: 2.5 }))).toBe('malformed job: config.batchSize is out of range: 2.5');
    expect(refusal(job({ limit: 0 }))).toBe('malformed job: limit is out of range: 0');
    expect(refusal(job({}, { data: { ...config.data, sha256: 'xyz' } }))).toBe('malformed job: config.data.sha256 is out of range: "xyz"');
  });

  it('carries an MLP\'s widths, and none for the CNN', () => {
    const { layers: _, ...cnn } = { ...config, model: 'cnn' };
    expect(validateRunJob({ ...job(), config: cnn }, version).config).toEqual(cnn);
    expect(refusal(job({}, { model: 'cnn' }))).toBe('malformed job: config.layers is not a field of a cnn run');
    expect(refusal({ ...job(), config: { ...cnn, model: 'mlp' } })).toBe('malformed job: config.layers is missing (an mlp run needs its widths)');
    expect(refusal(job({}, { model: 'rnn' }))).toBe('malformed job: config.model is out of range: "rnn"');
    const { model: __, ...unnamed } = config;
    expect(refusal({ ...job(), config: unnamed })).toBe('malformed job: config.model is missing');
  });

  it('is refused when it is not a job, of another format, or of another version', () => {
    expect(refusal('run')).toBe('the job is not an object');
    expect(refusal([job()])).toBe('the job is not an object');
    expect(refusal(job({ format: 'heavyball-run/0' }))).toBe(`the job's format is "heavyball-run/0", this worker takes ${JOB_FORMAT}`);
    expect(refusal(job({}, { heavyball: '0.0.1' }))).toBe(`the run is for heavyball 0.0.1, this worker runs ${version} (which may round differently)`);
  });
});

describe('a queue URL', () => {
  it('gives the connection and a display without the password', () => {
    expect(parseRedisUrl('redis://worker:p%40ss@redis.lab:6380/2')).toEqual({
      connection: { host: 'redis.lab', port: 6380, db: 2, username: 'worker', password: 'p@ss', tls: undefined },
      display: 'redis://worker:***@redis.lab:6380/2',
    });
    expect(parseRedisUrl('rediss://:secret@[::1]')).toEqual({
      connection: { host: '::1', port: 6379, db: 0, username: undefined, password: 'secret', tls: {} },
      display: 'rediss://:***@[::1]:6379'.replace(':6379', ''),
    });
    expect(parseRedisUrl('redis://127.0.0.1:6379').display).toBe('redis://127.0.0.1:6379');
  });

  it('is refused with a RedisUrlError that never repeats the password', () => {
    for (const [url, message] of [
      ['http://u:hunter2@host:80', 'the queue URL must start with redis:// or rediss://, got http://u:***@host'],
      ['redis://u:hunter2@host/zero', "the queue URL's database must be a number, as in redis://host:6379/0, got redis://u:***@host/zero"],
      ['redis://:hunter2@host?tls=1', 'the queue URL takes no ?query or #fragment: redis://:***@host'],
      ['not a url hunter2', 'the queue must be a URL redis://[user:password@]host:port[/db] or rediss://…'],
    ] as const) {
      expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
      expect(() => parseRedisUrl(url)).toThrow(message);
    }
  });
});
