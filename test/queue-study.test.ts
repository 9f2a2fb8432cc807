// A study through BullMQ on a private Redis (started here on 127.0.0.1, stopped after) against the same study
// trained locally: the same figures bit for bit, whatever happens to the workers, Redis or the coordinator.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { studyQueueName } from '../src/experiments/queue/coordinator-node.js';
import { JOB_FORMAT } from '../src/experiments/queue/job-schema.js';
import type { StudyResult } from '../src/experiments/types.js';
import { type CliProcess, startCli, stopCli } from './helpers/cli-process.js';
import { type RedisServer, startRedis } from './helpers/redis-server.js';

// 4 runs of 60 steps each on 800 images of the real MNIST (200 held out for validation).
const SWEEP = ['sweep', '--limit', '800', '--validation-size', '200', '--train-size', '600', '--epochs', '1', '--batch-size', '10',
  '--eval-every', '10', '--layers', '784,64,10', '--momenta', '0,0.9', '--seeds', '1,2', '--lr', '0.1', '--target-accuracy', '0.5'];
/** The only fields that may differ between two runs of one study: wall-clock time. */
const WALL_CLOCK = new Set(['seconds', 'startedAt']);

function withoutWallClock(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutWallClock);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !WALL_CLOCK.has(key)).map(([key, v]) => [key, withoutWallClock(v)]));
  }
  return value;
}

let scratch: string;
let redis: RedisServer;
let local: StudyResult;
const started: CliProcess[] = [];

const readResult = async (out: string) => JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')) as StudyResult;
const worker = (...extra: string[]) => {
  const process = startCli(['worker', '--queue', redis.url, '--threads', '1', '--stalled-interval', '2000', ...extra]);
  started.push(process);
  return process;
};
const coordinator = (out: string) => {
  const process = startCli([...SWEEP, '--queue', redis.url, '--out', out]);
  started.push(process);
  return process;
};
const startedIds = (process: CliProcess) => [...process.output().matchAll(/^started ([0-9a-f]{64})/gm)].map((m) => m[1]!);
let outs = 0;
const newOut = () => join(scratch, `queue-${++outs}`);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'heavyball-queue-'));
  redis = await startRedis();
  const run = startCli([...SWEEP, '--workers', '2', '--out', join(scratch, 'local')]);
  expect(await run.exited, run.output()).toBe(0);
  local = await readResult(join(scratch, 'local'));
}, 300_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map(stopCli));
}, 300_000);

afterAll(async () => {
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a sweep on the queue', { timeout: 300_000 }, () => {
  it('with two worker processes equals the local sweep in every figure, and never shows the password', async () => {
    // The second trains one run at a time on both of its cores: threads change no bit.
    const workers = [worker(), worker('--threads', '2', '--runs', '1')];
    const out = newOut();
    const study = coordinator(out);
    expect(await study.exited, study.output()).toBe(0);
    const result = await readResult(out);
    expect(withoutWallClock(result)).toEqual(withoutWallClock(local));
    expect(result.runsTrained).toBe(4);
    // Both workers trained, each run once; the queue is named by the study's hash.
    const ids = workers.flatMap(startedIds);
    expect(ids.sort()).toEqual(local.runs.map((r) => r.id).sort());
    expect(study.output()).toContain(`queued 4 runs on ${studyQueueName(local.runs.map((r) => r.id))}`);
    expect(workers[0]!.output()).toMatch(/^heavyball .* worker on .*: 1 run at once on 1 thread each, 1 job taken at once$/m);
    expect(workers[1]!.output()).toMatch(/^heavyball .* worker on .*: 1 run at once on 2 threads each, 1 job taken at once$/m);
    await Promise.all(workers.map(stopCli));
    const texts = [study.output(), ...workers.map((w) => w.output()), await readFile(join(out, 'sweep.json'), 'utf8'),
      await readFile(join(out, 'sweep.html'), 'utf8')];
    for (const text of texts) expect(text).not.toContain(redis.password);
    expect(study.output()).toContain(`redis://:***@127.0.0.1:${redis.port}`);
  });

  it('trains the CNN (--model cnn) on a worker to the local sweep\'s figures', async () => {
    const cnn = ['sweep', '--model', 'cnn', '--limit', '300', '--validation-size', '50', '--epochs', '1', '--batch-size', '50',
      '--eval-every', '2', '--momenta', '0,0.9', '--seeds', '1', '--lr', '0.1'];
    const localOut = newOut();
    const here = startCli([...cnn, '--out', localOut]);
    started.push(here);
    expect(await here.exited, here.output()).toBe(0);
    const one = worker();
    const out = newOut();
    const study = startCli([...cnn, '--queue', redis.url, '--out', out]);
    started.push(study);
    expect(await study.exited, study.output()).toBe(0);
    const result = await readResult(out);
    expect(result.runs.map((r) => r.record.config.model)).toEqual(['cnn', 'cnn']);
    expect(startedIds(one).sort()).toEqual(result.runs.map((r) => r.id).sort());
    expect(withoutWallClock(result)).toEqual(withoutWallClock(await readResult(localOut)));
  });

  it('completes with the same figures when a worker is SIGKILLed mid-run: another takes its job over', async () => {
    const doomed = worker();
    const out = newOut();
    const study = coordinator(out);
    const [, id] = await doomed.waitFor(/^started ([0-9a-f]{64})/m);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(doomed.output()).not.toContain(`finished ${id}`);
    const survivor = worker();
    expect(await study.exited, study.output()).toBe(0);
    expect(startedIds(survivor)).toContain(id);
    expect(withoutWallClock(await readResult(out))).toEqual(withoutWallClock(local));
  });

  it('completes with the same figures when Redis is killed and restarted mid-study', async () => {
    const one = worker();
    await one.waitFor(/^heavyball .* worker on/m);
    const out = newOut();
    const study = coordinator(out);
    await study.waitFor(/queued 4 runs/);
    await redis.kill();
    await redis.restart();
    expect(await study.exited, study.output()).toBe(0);
    expect(withoutWallClock(await readResult(out))).toEqual(withoutWallClock(local));
    for (const process of [one, study]) expect(process.output()).toMatch(/lost Redis at [^\n]*; reconnecting\n[^]*reconnected to Redis/);
  });

  it('collects what finished while the coordinator was stopped, and queues nothing twice', async () => {
    const one = worker();
    const out = newOut();
    const first = coordinator(out);
    await first.waitFor(/final validation accuracy/);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    await one.waitFor(/^finished [0-9a-f]{64}[^]*^finished [0-9a-f]{64}/m);
    const second = coordinator(out);
    expect(await second.exited, second.output()).toBe(0);
    const result = await readResult(out);
    expect(withoutWallClock({ ...result, runsTrained: 0, runsReused: 0 })).toEqual(withoutWallClock({ ...local, runsTrained: 0, runsReused: 0 }));
    expect(result.runsReused).toBeGreaterThanOrEqual(1);
    // Every run was trained exactly once, across both coordinators.
    expect(startedIds(one).sort()).toEqual(local.runs.map((r) => r.id).sort());
  });

  it('fails a malformed job and a job of another version with their reasons, and the worker goes on', async () => {
    const name = studyQueueName(local.runs.map((r) => r.id));
    const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port, password: redis.password } });
    const config = local.runs[0]!.record.config;
    await queue.add('run', { format: JOB_FORMAT, config: { ...config, checkpoint: '/tmp/x.safetensors' }, limit: 800 }, { jobId: 'malformed' });
    await queue.add('run', { format: JOB_FORMAT, config: { ...config, heavyball: '0.0.1' }, limit: 800 }, { jobId: 'old-version' });
    await queue.add('run', { format: 'module', path: './evil.js' }, { jobId: 'other-format' });
    await queue.close();
    const one = worker();
    const out = newOut();
    const study = coordinator(out);
    expect(await study.exited, study.output()).toBe(1);
    const result = await readResult(out);
    expect(withoutWallClock({ ...result, failures: undefined })).toEqual(withoutWallClock({ ...local, failures: undefined }));
    const reasons = Object.fromEntries(result.failures!.map((f) => [f.id, f.reason]));
    expect(reasons).toEqual({
      'malformed': 'malformed job: config.checkpoint is not a field of a run',
      'old-version': `the run is for heavyball 0.0.1, this worker runs ${config.heavyball} (which may round differently)`,
      'other-format': `the job's format is "module", this worker takes ${JOB_FORMAT}`,
    });
    expect(study.stderr()).toContain('run malformed failed: malformed job');
    expect(one.output()).toMatch(/refused job malformed/);
  });

  it('lets a worker finish its run on Ctrl-C, and hand it back on a second Ctrl-C', async () => {
    // The JavaScript kernels: runs long enough to be interrupted while they train.
    const out = newOut();
    const study = startCli([...SWEEP, '--backend', 'js', '--queue', redis.url, '--out', out]);
    started.push(study);
    const finishing = worker();
    const [, finished] = await finishing.waitFor(/^started ([0-9a-f]{64})/m);
    finishing.child.kill('SIGINT');
    expect(await finishing.exited).toBe(0);
    expect(finishing.output()).toContain(`finished ${finished}`);
    expect(startedIds(finishing)).toEqual([finished]);

    const handing = worker();
    const [, handed] = await handing.waitFor(/^started ([0-9a-f]{64})/m);
    handing.child.kill('SIGINT');
    await handing.waitFor(/^Finishing the current runs/m);
    handing.child.kill('SIGINT');
    expect(await handing.exited).toBe(130);
    expect(handing.output()).toContain(`handed back ${handed}`);
    expect(handing.output()).not.toContain(`finished ${handed}`);

    const rest = worker();
    expect(await study.exited, study.output()).toBe(0);
    expect(startedIds(rest)).toContain(handed);
    expect(startedIds(rest)).not.toContain(finished);
    const result = await readResult(out);
    expect([result.runsTrained, result.aborted, result.failures]).toEqual([4, false, undefined]);
  });

  it('stops with a clear error and exit code 77 on a wrong password, without printing it', async () => {
    const url = `redis://:not-the-password-42@127.0.0.1:${redis.port}`;
    for (const args of [[...SWEEP, '--queue', url, '--out', newOut()], ['worker', '--queue', url]]) {
      const process = startCli(args);
      expect(await process.exited).toBe(77);
      expect(process.stderr()).toMatch(new RegExp(`Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port} refused the credentials: WRONGPASS`));
      expect(process.output()).not.toContain('not-the-password-42');
    }
  });
});
