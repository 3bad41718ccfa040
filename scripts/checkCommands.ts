// Fails when contributed and registered commands differ; the rules are in lib/commandCheck.ts.
import { readFileSync } from 'node:fs';
import { findProblems, sourceFiles, type Manifest } from './lib/commandCheck';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;
const sources = new Map(sourceFiles('src').map((file) => [file, readFileSync(file, 'utf8')]));
const problems = findProblems(manifest, sources);
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(`commands: ${manifest.contributes.commands.length} contributed, all registered`);
