import { builtinModules } from 'node:module';

const builtins = builtinModules.filter((name) => !name.startsWith('_')).map((name) => name.replace(/[/]/g, '\\/'));
const specifier = `["'\`](?:node:[\\w/]+|(?:${builtins.join('|')})(?:\\/[\\w/]*)?)["'\`]`;
/** An import, dynamic import, re-export or require of a Node built-in, with or without `node:`. */
const NODE_IMPORT = new RegExp(`(?:\\bfrom\\s*${specifier}|\\bimport\\s*\\(?\\s*${specifier}|\\brequire\\s*\\(\\s*${specifier})`, 'g');

/**
 * What in a browser bundle would load a Node built-in: imports of node: or bare built-in modules, and
 * Vite's stand-in for one it dropped (`__vite-browser-external`). Strings such as
 * process.getBuiltinModule('node:v8'), guarded at run time, are not imports.
 */
export function nodeImportsIn(code: string): string[] {
  const found = [...code.matchAll(NODE_IMPORT)].map((m) => m[0]);
  if (code.includes('__vite-browser-external')) found.push('__vite-browser-external');
  return found;
}
