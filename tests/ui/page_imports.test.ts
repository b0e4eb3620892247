// The page must never load tfjs: training and inference live in the workers. The browser test checks this at the
// end of a full UI run (globalThis._tfengine); this walks the page's static import graph so a UI module that
// pulls in a tensor module by way of some helper fails here, in milliseconds, naming the chain.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');

/** Specifiers a module loads at run time: value imports, re-exports and dynamic imports (type-only ones are erased). */
function runtimeImports(source: string): string[] {
  const specs: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?\bfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) {
    if (m[2]) continue;
    if (m[1] === 'export' && !m[3]) continue;
    specs.push(m[4]);
  }
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs;
}

/** The first chain of modules from `entry` to a bare import matching `forbidden`, or null. */
function findChain(entry: string, forbidden: RegExp): string[] | null {
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]): string[] | null => {
    if (seen.has(file)) return null;
    seen.add(file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        if (forbidden.test(spec)) return [...chain, spec];
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (!target.endsWith('.ts') || !existsSync(target)) continue;
      const found = walk(target, [...chain, relative(ROOT, target)]);
      if (found) return found;
    }
    return null;
  };
  return walk(entry, [relative(ROOT, entry)]);
}

describe('the page (src/ui/main.ts) and everything it imports', () => {
  test('never imports tfjs: tensors belong to the workers', () => {
    expect(findChain(resolve(ROOT, 'src/ui/main.ts'), /^@tensorflow\//)).toBeNull();
  });

  test('the walk finds a chain where one exists (a worker module reaches tfjs)', () => {
    const chain = findChain(resolve(ROOT, 'src/core/train/anchor.ts'), /^@tensorflow\//);
    expect(chain?.at(-1)).toMatch(/^@tensorflow\//);
  });

  test('type-only imports and bare re-exports are not run-time imports', () => {
    const src = "import type { A } from './a.ts';\nimport { b } from './b.ts';\nexport { c } from './c.ts';\nexport const d = 1;\nconst e = import('./e.ts');";
    expect(runtimeImports(src)).toEqual(['./b.ts', './c.ts', './e.ts']);
  });
});
