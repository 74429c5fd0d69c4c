// Writes goldens/<name>.json for every case from the current translation.
// Run it only for a new case, then review the file against the hcsshim code
// the case names: the goldens are the reference, not the code's output.
import { writeFileSync } from 'node:fs';
import { hcsDocuments } from 'tsrun/windows';
import { cases } from './cases.mjs';

for (const c of cases) {
  if (c.error) continue;
  const documents = hcsDocuments(c.config, { id: 'c1', bundle: 'C:\\bundles\\c1' });
  const file = new URL(`goldens/${c.name}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify({ source: c.source, documents }, null, 2)}\n`);
}
