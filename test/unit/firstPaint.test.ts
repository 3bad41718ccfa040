/**
 * Activation loads only what the first paint needs: a production build's entry and its static chunks hold the
 * Components view, the status bar and the watch cache, and none of the features that load on first use. A static
 * import added in the wrong place pulls a feature back into activation; this test names it.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstPaintOf, type FirstPaint } from '../../scripts/lib/firstPaint';

/** Sources that must load on first use only, with why they are not needed to paint the sidebar. */
const DEFERRED: [RegExp, string][] = [
  [/^src\/install\//, 'the install engine'],
  [/^src\/commands\/install\//, 'the install prompts'],
  [/^src\/acp\/violet\.ts$/, 'violet'],
  [/node_modules\/execa\//, 'execa (violet and kubectl runs)'],
  [/^src\/grafana\/proxy\.ts$/, "Grafana's local proxy"],
  [/^src\/views\/grafanaPanel\.ts$/, 'the Grafana panel'],
  [/^src\/commands\/troubleshootCommands\.ts$/, 'the troubleshooting flows'],
  [/^src\/grafana\/querier\.ts$/, 'the querier client'],
  [/^src\/commands\/componentActions\.ts$/, 'restart and pod logs'],
  [/node_modules\/yaml\//, 'the YAML writer (object documents, manifests)'],
  [/node_modules\/@kubernetes\/client-node\//, 'client-node (only kubeconfigs with an auth-provider or a proxy-url need it)'],
];

describe('first paint: what activation loads', function () {
  this.timeout(60_000);
  let dir: string;
  let paint: FirstPaint;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'first-paint-'));
    execFileSync(process.execPath, ['scripts/build.mjs', '--production', '--outdir', dir], { stdio: 'pipe' });
    paint = firstPaintOf(dir);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the view, the status bar and the watch cache', () => {
    for (const source of ['src/extension.ts', 'src/views/componentsTree.ts', 'src/views/statusBar.ts', 'src/cluster/cache.ts', 'src/acp/deepflowStatus.ts']) {
      assert.ok(paint.sources.includes(source), `${source} is not loaded on activation`);
    }
  });

  it('leaves every feature to its first use', () => {
    const loaded = DEFERRED.flatMap(([pattern, what]) => paint.sources.filter((s) => pattern.test(s)).map((s) => `${what} (${s})`));
    assert.deepEqual(loaded, [], `activation loads: ${loaded.join(', ')}`);
  });
});
