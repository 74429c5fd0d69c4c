// The library's entry point: new Runtime({ root }).create(id, bundle).
import { platformBackend } from '../platform.js';
import { StateStore } from '../state/store.js';
import { Container, type RuntimeContext } from './container.js';
import { createContainer } from './create.js';
import type { ContainerState, CreateOptions, RuntimeOptions } from './types.js';

export class Runtime {
  private readonly ctx: RuntimeContext;

  constructor(options: RuntimeOptions = {}) {
    this.ctx = {
      store: new StateStore(options.root),
      backend: platformBackend,
      warn: options.onWarning ?? ((message) => process.emitWarning(message, 'TsrunWarning')),
      debug: options.onDebug ?? (() => {}),
      options,
    };
  }

  get root(): string {
    return this.ctx.store.root;
  }

  /** Sets up a container from an OCI bundle; its init waits for start(). */
  create(id: string, bundle: string, options?: CreateOptions): Promise<Container> {
    return createContainer(this.ctx, id, bundle, options);
  }

  /** A handle to an existing container, made by this process or another. */
  async load(id: string): Promise<Container> {
    return new Container(this.ctx, this.ctx.store.read(id), null);
  }

  async list(): Promise<ContainerState[]> {
    const states = await Promise.all(this.ctx.store.ids().map(async (id) => {
      try {
        return await (await this.load(id)).state();
      } catch {
        return null; // deleted meanwhile
      }
    }));
    return states.filter((s): s is ContainerState => s !== null);
  }
}
