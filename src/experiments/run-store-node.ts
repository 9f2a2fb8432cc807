// Node-only: finished runs stored as files named by the hash of their configuration.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import type { RunConfig, RunRecord } from './types.js';
import { writeTextAtomic } from '../write-file-atomic.js';

/**
 * The stable id of a run: the sha256 of its configuration's canonical JSON, in hex. An MLP's configuration
 * is hashed without its `model`, and a constant lr's without its `schedule`, as every run was before there
 * were CNNs and schedules, so runs stored then keep their ids.
 */
export function runId(config: RunConfig): string {
  const { model = 'mlp', schedule = 'constant', ...rest } = config;
  const hashed = { ...rest, ...(model !== 'mlp' && { model }), ...(schedule !== 'constant' && { schedule }) };
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}

/**
 * Where finished runs are kept, by id. A study asks it before training a run and gives it every run that
 * finishes; a job queue can stand behind the same three calls.
 */
export interface RunStore {
  has(id: string): Promise<boolean>;
  /** The stored record, or undefined when there is none. */
  get(id: string): Promise<RunRecord | undefined>;
  put(id: string, record: RunRecord): Promise<void>;
}

/** A stored record that cannot be used: names the file and what is wrong with it. */
export class RunStoreError extends Error {
  constructor(message: string, readonly file: string) {
    super(`${message} (${file}; delete it to train that run again)`);
    this.name = 'RunStoreError';
  }
}

/** A store in `dir`: one `<id>.json` per run, each written to a temporary name and renamed. */
export function directoryRunStore(dir: string): RunStore {
  const file = (id: string) => join(dir, `${id}.json`);
  const read = async (id: string): Promise<string | undefined> => {
    try {
      return await readFile(file(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  return {
    async has(id) {
      return (await read(id)) !== undefined;
    },
    async get(id) {
      const text = await read(id);
      if (text === undefined) return undefined;
      let record: RunRecord;
      try {
        record = JSON.parse(text) as RunRecord;
      } catch (error) {
        throw new RunStoreError(`the stored run is not JSON: ${(error as Error).message}`, file(id));
      }
      if (record?.config === undefined || runId(record.config) !== id) {
        throw new RunStoreError('the stored run has another configuration than its name says', file(id));
      }
      // Runs stored before there were CNNs and schedules name neither: they are MLPs at a constant lr.
      return { ...record, config: { ...record.config, model: record.config.model ?? 'mlp', schedule: record.config.schedule ?? 'constant' } };
    },
    async put(id, record) {
      if (runId(record.config) !== id) throw new RangeError(`run ${id} is not the id of the record's configuration`);
      await writeTextAtomic(file(id), JSON.stringify(record));
    },
  };
}
