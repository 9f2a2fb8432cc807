// Runs ceiling-child.ts on Node 24 with the revectorizer: the ceiling a revectorized GEMM should be held to.
import { fileURLToPath } from 'node:url';
import { jsonReply, NODE24_MISSING, node24, REVECTORIZE, runChild } from '../harness/child-node.js';
import { progress } from '../harness/log.js';
import type { Settings } from '../harness/settings.js';
import type { RevectorizedCeiling, RevectorizedCeilingReply } from './revectorized-reply.js';

/** V8 flags of the child: the revectorizer, and the optimizing tier only, as the bench's own process has. */
const CHILD_FLAGS = [REVECTORIZE, '--no-liftoff'];

export async function measureRevectorizedCeiling(settings: Settings, root: string, childScript: URL): Promise<RevectorizedCeiling> {
  const node = node24(root);
  if (!node) return { reply: null, errors: [`${NODE24_MISSING}: the revectorized ceiling is missing`] };
  progress('ceiling: Node 24 with the revectorizer, 128-bit and paired chains beside the one-thread GEMM');
  try {
    const stdout = await runChild(node, [...CHILD_FLAGS, fileURLToPath(childScript), JSON.stringify(settings)]);
    return { reply: jsonReply(stdout) as RevectorizedCeilingReply, errors: [] };
  } catch (error) {
    return { reply: null, errors: [(error as Error).message] };
  }
}
