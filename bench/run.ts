/**
 * `npm run bench [-- NAME...]` — the benchmark harness.
 *
 * Contract for a bench: a folder `bench/<name>/` whose `index.ts` default-
 * exports `async () => object`. The bench prints what it wants (a table) and
 * returns its figures; the harness writes them to `bench/results/<name>.json`.
 * With no names, every bench runs, in name order; otherwise only those named.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(benchDir, 'results');
const available = readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(benchDir, entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no bench named ${unknown.join(', ')} (available: ${available.join(', ') || 'none'})`);
  process.exit(1);
}

mkdirSync(resultsDir, { recursive: true });
for (const name of asked.length > 0 ? asked : available) {
  console.log(`\n== bench ${name}`);
  const bench = (await import(pathToFileURL(join(benchDir, name, 'index.ts')).href)) as { default: () => Promise<object> };
  const result = await bench.default();
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
