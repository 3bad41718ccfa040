/**
 * What activation loads, read off a build: the entry and every chunk it requires at its top level, transitively.
 * scripts/build.mjs turns each import() into `Promise.resolve().then(() => __toESM(require("./chunk.js")))`, so a
 * chunk required inside such a `then(() => …)` loads on first use and is not part of the first paint.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const REQUIRE = /(then\(\(\)\s*=>\s*(?:[\w$]+\()?)?require\("(\.{1,2}\/[^"]+\.js)"\)/g;

export interface FirstPaint {
  /** Paths of the files loaded on activation, relative to the build folder, entry first. */
  files: string[];
  bytes: number;
  /** The source files bundled into them (from the build's meta.json). */
  sources: string[];
}

export function firstPaintOf(buildDir: string, entry = 'extension.js'): FirstPaint {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(join(buildDir, file), 'utf8').matchAll(REQUIRE)) {
      if (!m[1] && m[2]) visit(relative(buildDir, join(buildDir, dirname(file), m[2])).replaceAll('\\', '/'));
    }
  };
  visit(entry);
  const files = [...seen];
  const meta = JSON.parse(readFileSync(join(buildDir, 'meta.json'), 'utf8')) as { sources: Record<string, string[]> };
  return {
    files,
    bytes: files.reduce((sum, f) => sum + statSync(join(buildDir, f)).size, 0),
    sources: files.flatMap((f) => meta.sources[f] ?? []),
  };
}
