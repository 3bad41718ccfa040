// The package as the marketplace sees it: what `vsce ls` says ships, and the manifest fields the gallery shows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(__dirname, '..', '..');

interface PackageManifest {
  icon?: string;
  categories?: string[];
  keywords?: string[];
  galleryBanner?: { color?: string; theme?: string };
  repository?: unknown;
}

/** What must never reach a user's machine: tests (the simulator among them), sources, source maps, tooling. */
const neverShipped = /(^|\/)(test|src|scripts|node_modules|\.tools|\.sim|docs)\/|\.map$|\.tsx?$|\.vsix$/;
/** What the extension needs at run time and the marketplace shows. */
const shipped = /^(package\.json|package\.nls(\.[a-z-]+)?\.json|l10n\/bundle\.l10n\.[a-z-]+\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/extension\.js|dist\/chunks\/[\w-]+\.js|media\/[^/].*|snippets\/[^/]+\.code-snippets)$/;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${file} is not a PNG`);
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR', `${file} has no IHDR chunk first`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the package', function () {
  this.timeout(60_000);
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageManifest;

  it('vsce ls lists only what ships: no test, simulator, source or source map file', async () => {
    const vsce = join(repoRoot, 'node_modules', '.bin', 'vsce');
    const { stdout } = await execFileAsync(vsce, ['ls', '--no-dependencies'], { cwd: repoRoot, maxBuffer: 4 * 1024 * 1024 });
    const files = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    assert.ok(files.includes('package.json') && files.includes('README.md'), `vsce ls looks wrong:\n${stdout}`);
    assert.deepEqual(files.filter((f) => neverShipped.test(f)), [], 'files that must not ship');
    assert.deepEqual(files.filter((f) => !shipped.test(f)), [], 'files nobody decided to ship');
    assert.ok(manifest.icon && files.includes(manifest.icon), `the icon ${manifest.icon ?? '(none)'} is not packaged`);
  });

  it('has a 128×128 PNG icon, gallery categories and keywords, a banner, and no placeholder repository', () => {
    assert.ok(manifest.icon, 'no icon in package.json');
    assert.deepEqual(pngSize(join(repoRoot, manifest.icon)), { width: 128, height: 128 });
    assert.ok(manifest.categories && manifest.categories.length > 0 && !manifest.categories.includes('Other'), `categories: ${String(manifest.categories)}`);
    assert.ok((manifest.keywords ?? []).length >= 5 && (manifest.keywords ?? []).length <= 30, 'the marketplace takes 5 to 30 keywords here');
    assert.match(manifest.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
    assert.ok(manifest.galleryBanner?.theme === 'dark' || manifest.galleryBanner?.theme === 'light');
    assert.equal(manifest.repository, undefined, 'a repository URL that is not real misleads users; leave it out');
  });
});
