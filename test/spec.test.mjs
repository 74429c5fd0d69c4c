// lib/spec: config.json validation, its error messages, and the default spec
// checked byte for byte against `runc spec`.

import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  SPEC_VERSION, SpecError, defaultSpec, formatSpec, parseSpec, validateSpec,
} from '../dist/spec/index.js'
import { needsCommand, runc, tempDir } from './helpers/env.mjs'

/** What `fn` throws, checked to be a one-line SpecError. */
function specError(t, fn) {
  try {
    fn()
  } catch (err) {
    t.type(err, SpecError)
    t.notMatch(err.message, /\n/, 'one line')
    return err
  }
  t.fail('did not throw')
  return { field: undefined, message: '' }
}

/** The default spec changed by `mutate`. */
function specWith(mutate) {
  const spec = defaultSpec()
  mutate(spec)
  return spec
}

t.test('the default specs validate', async (t) => {
  for (const rootless of [false, true]) {
    const spec = defaultSpec({ rootless })
    t.equal(validateSpec(spec), spec, `rootless: ${rootless}`)
    t.same(parseSpec(formatSpec(spec)), spec, `rootless: ${rootless}, through text`)
  }
})

t.test('bad input names the field', async (t) => {
  const cases = [
    {
      name: 'invalid JSON',
      run: () => parseSpec('{"ociVersion": "1.0.2",\n  oops}'),
      field: '',
      message: /^config\.json: invalid JSON: \S/,
    },
    {
      name: 'not an object',
      run: () => validateSpec([]),
      field: '',
      message: 'config.json: must be an object',
    },
    {
      name: 'wrong type',
      run: () => validateSpec(specWith((s) => { s.process.args = 'sh' })),
      field: 'process.args',
      message: 'config.json: process.args: must be an array',
    },
    {
      name: 'unknown namespace type',
      run: () => validateSpec(specWith((s) => { s.linux.namespaces[2].type = 'foo' })),
      field: 'linux.namespaces[2].type',
      message: 'config.json: linux.namespaces[2].type: must be one of pid, network, mount, ipc, uts, user, cgroup, time (got "foo")',
    },
    {
      name: 'relative mount destination',
      run: () => validateSpec(specWith((s) => { s.mounts[1].destination = 'proc' })),
      field: 'mounts[1].destination',
      message: 'config.json: mounts[1].destination: must be an absolute path (got "proc")',
    },
    {
      name: 'missing process.args',
      run: () => validateSpec(specWith((s) => { delete s.process.args })),
      field: 'process.args',
      message: 'config.json: process.args: is required',
    },
    {
      name: 'empty process.args',
      run: () => validateSpec(specWith((s) => { s.process.args = [] })),
      field: 'process.args',
      message: 'config.json: process.args: must not be empty',
    },
    {
      name: 'missing process',
      run: () => validateSpec(specWith((s) => { delete s.process })),
      field: 'process',
      message: 'config.json: process: is required',
    },
    {
      name: 'duplicate namespace',
      run: () => validateSpec(specWith((s) => { s.linux.namespaces.push({ type: 'pid' }) })),
      field: 'linux.namespaces[5].type',
      message: 'config.json: linux.namespaces[5].type: duplicate namespace "pid" (also linux.namespaces[0])',
    },
    {
      name: 'missing ociVersion',
      run: () => validateSpec(specWith((s) => { delete s.ociVersion })),
      field: 'ociVersion',
      message: 'config.json: ociVersion: is required',
    },
    {
      name: 'missing root.path',
      run: () => validateSpec(specWith((s) => { s.root = { readonly: true } })),
      field: 'root.path',
      message: 'config.json: root.path: is required',
    },
    {
      name: 'out of range',
      run: () => validateSpec(specWith((s) => { s.process.user.uid = -1 })),
      field: 'process.user.uid',
      message: 'config.json: process.user.uid: must be >= 0 (got -1)',
    },
    {
      name: 'map key that is not an identifier',
      run: () => validateSpec(specWith((s) => { s.annotations = { 'io.example/x': 1 } })),
      field: 'annotations["io.example/x"]',
      message: 'config.json: annotations["io.example/x"]: must be a string',
    },
    {
      name: 'id mappings without a user namespace',
      run: () => validateSpec(specWith((s) => { s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }] })),
      field: 'linux.uidMappings',
      message: 'config.json: linux.uidMappings: needs a "user" namespace in linux.namespaces',
    },
    {
      name: 'time offsets when joining a time namespace',
      run: () => validateSpec(specWith((s) => {
        s.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' })
        s.linux.timeOffsets = { monotonic: { secs: 10 } }
      })),
      field: 'linux.timeOffsets',
      message: /^config\.json: linux\.timeOffsets: cannot be set when joining/,
    },
    {
      name: 'errnoRet with an action that returns no errno',
      run: () => validateSpec(specWith((s) => {
        s.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }
      })),
      field: 'linux.seccomp.syscalls[0].errnoRet',
      message: 'config.json: linux.seccomp.syscalls[0].errnoRet: is not valid with action SCMP_ACT_ALLOW',
    },
  ]
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const err = specError(t, c.run)
      t.equal(err.field, c.field, 'field')
      if (typeof c.message === 'string') t.equal(err.message, c.message, 'message')
      else t.match(err.message, c.message, 'message')
    })
  }
})

t.test('fields engines add are accepted', async (t) => {
  const spec = specWith((s) => {
    s.io_example_engine = { anything: [1, 2] }
    s.process.io_example = true
  })
  t.equal(validateSpec(spec), spec)
})

t.test('formatSpec escapes like Go encoding/json', async (t) => {
  const spec = specWith((s) => { s.annotations = { note: '<a & b>\u2028' } })
  t.match(formatSpec(spec), '"note": "\\u003ca \\u0026 b\\u003e\\u2028"')
})

t.test('defaultSpec is what runc spec writes, byte for byte', async (t) => {
  if (!needsCommand(t, 'runc')) return
  for (const rootless of [false, true]) {
    const dir = tempDir(t, 'tsrun-spec-')
    const r = await runc(['spec', ...(rootless ? ['--rootless'] : []), '--bundle', dir])
    t.equal(r.code, 0, `runc spec${rootless ? ' --rootless' : ''} ran`)
    const expected = readFileSync(join(dir, 'config.json'), 'utf8')
    t.equal(formatSpec(defaultSpec({ rootless })), expected, `rootless: ${rootless}`)
    t.equal(JSON.parse(expected).ociVersion, SPEC_VERSION, 'same ociVersion')
    t.ok(parseSpec(expected), 'runc\'s own spec validates')
  }
})
