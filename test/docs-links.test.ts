// The README stays short and the guides stay connected: every relative link in README.md and docs/*.md
// (images included) names a file of the repository, and a `#fragment` names a heading of that file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (page: string) => readFileSync(join(root, page), 'utf8');

/** The targets of `[text](target)` and `![alt](target)` outside code blocks, without a title. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1]!);
  return new Set(headings.map((h) => h.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
}

describe.each(pages)('%s', (page) => {
  const relativeLinks = linkTargets(read(page)).filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));

  it('links only to files inside the repository that exist, and to headings they have', () => {
    for (const target of relativeLinks) {
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, page) : resolve(root, dirname(page), decodeURI(path));
      expect(relative(root, file).startsWith('..'), `${target} leaves the repository`).toBe(false);
      expect(existsSync(file), `${target} does not exist`).toBe(true);
      if (fragment !== undefined) expect(anchors(readFileSync(file, 'utf8')), `${target}: no such heading`).toContain(fragment);
    }
  });
});

it('the README reads in minutes: under 320 lines, with every guide in docs/ linked from it', () => {
  const readme = read('README.md');
  expect(readme.split('\n').length).toBeLessThan(320);
  const linked = new Set(linkTargets(readme).map((target) => target.split('#')[0]));
  for (const guide of pages.filter((p) => p !== 'README.md')) expect(linked, `${guide} is not linked from the README`).toContain(guide);
});
