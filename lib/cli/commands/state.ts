// tsrun state: the OCI state, byte for byte as runc prints it (2-space
// json.MarshalIndent, no trailing newline).
import { Runtime } from '../../container/runtime.js';
import type { ContainerState } from '../../container/types.js';
import { command, validateId } from '../args.js';
import { goJSON } from '../log.js';

export default command({
  args: '<container-id>',
  flags: {},
  async run(_, [id], g) {
    const c = await new Runtime(g.runtime).load(validateId(id!));
    process.stdout.write(goJSON(runcState(await c.state()), '  '));
  },
});

/** runc's containerState field order (state and list): annotations before owner, omitted when empty. */
export function runcState(s: ContainerState): object {
  const { ociVersion, id, pid, status, bundle, rootfs, created, annotations, owner } = s;
  return {
    ociVersion, id, pid, status, bundle, rootfs, created,
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    owner,
  };
}
