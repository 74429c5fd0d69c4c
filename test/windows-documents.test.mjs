// The OCI → HCS translation (tsrun/windows hcsDocuments), on any platform:
// golden documents derived from hcsshim's code, and refusals that name the field.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { hcsDocuments, commandLine } from 'tsrun/windows';
import { cases } from './windows/cases.mjs';

const options = { id: 'c1', bundle: 'C:\\bundles\\c1' };

for (const c of cases) {
  t.test(c.name, async (t) => {
    if (c.error) {
      t.throws(() => hcsDocuments(c.config, options), { name: 'SpecError', message: c.error });
      return;
    }
    const golden = JSON.parse(readFileSync(new URL(`windows/goldens/${c.name}.json`, import.meta.url), 'utf8'));
    t.equal(golden.source, c.source, 'the golden names its hcsshim source');
    t.strictSame(hcsDocuments(c.config, options), golden.documents);
  });
}

t.test('layer ids come from the layerId option (NameToGuid on Windows)', async (t) => {
  const docs = hcsDocuments(cases[0].config, { ...options, layerId: (folder) => `id-of-${folder.split('\\').pop()}` });
  t.strictSame(docs.systems[0].document.Container.Storage.Layers.map((l) => l.Id), ['id-of-app', 'id-of-base']);
});

// CommandLineToArgvW's rules, as Go's EscapeArg applies them (each line: argv, then the command line).
t.test('args are quoted by Windows rules', async (t) => {
  const table = [
    [['a'], 'a'],
    [[''], '""'],
    [['a b'], '"a b"'],
    [['a\tb'], '"a\tb"'],
    [['a"b'], 'a\\"b'],
    [['a\\b'], 'a\\b'],
    [['a\\"b'], 'a\\\\\\"b'],
    [['a b\\'], '"a b\\\\"'],
    [['a b\\\\'], '"a b\\\\\\\\"'],
    [['\\\\server\\share x'], '"\\\\server\\share x"'],
    [['x', 'y z', ''], 'x "y z" ""'],
  ];
  for (const [args, line] of table) t.equal(commandLine(args), line, JSON.stringify(args));
});
