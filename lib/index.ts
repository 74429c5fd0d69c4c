export { Runtime } from './container/runtime.js';
export { Container } from './container/container.js';
export type { ContainerState, ContainerStatus, CreateOptions, DeleteOptions, ExecOptions, ExitStatus, KillOptions, LinuxCreateFlags, RuntimeOptions, UnixProcessOptions } from './container/types.js';
export { ContainerExistsError, ContainerNotFoundError, InvalidArgumentError, InvalidStateError, TsrunError } from './errors.js';
export { SpecError } from './spec/errors.js';
export type { LinuxResources, Spec, WindowsResources } from './spec/types.js';
