// The plan crosses from TypeScript to C++ through one field list
// (native/linux/plan-fields.h): a key it does not know, a key it needs that
// is missing, or a value of the wrong type is refused, naming the key, before
// anything is spawned.
import t from 'tap'
import { bundle, needsRoot, readSpec } from './helpers/env.mjs'

const { native } = await import('../dist/linux/native.js')
const { prepareInit } = await import('../dist/linux/plan.js')
const { FdSet } = await import('../dist/linux/fds.js')

t.test('the addon reads the plan through its field list only', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['true'] })
  const fds = new FdSet()
  t.teardown(() => fds.closeAll())
  const { plan } = prepareInit(readSpec(dir), dir, 'plan-schema', {}, () => {}, fds)
  const refused = (change, message, what) => {
    const copy = structuredClone({ ...plan, seccomp: null })
    change(copy)
    t.throws(() => native.spawn(copy), { message }, what)
  }
  refused((p) => { p.bogus = 1 }, 'init plan: unknown key plan.bogus', 'an unknown key')
  refused((p) => { delete p.umask }, 'init plan: plan.umask is missing', 'a missing key')
  refused((p) => { p.steps[0].treeFd = 3 }, /^init plan: unknown key plan\.steps\[\d+\]\.treeFd$/, 'a step key that is no more')
  refused((p) => { p.steps[0].target = 5 }, 'init plan: plan.steps[0].target must be a string or null', 'a mistyped value')
  refused((p) => {
    const { last, ...rest } = p.caps
    p.caps = { ...rest, lastCap: last }
  }, 'init plan: plan.caps.last is missing', 'a renamed nested key')
})
