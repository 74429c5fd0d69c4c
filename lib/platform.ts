// The backend for the operating system we run on, loaded on first use.
import type { Backend } from './container/backend.js';
import { TsrunError } from './errors.js';

let backend: Promise<Backend> | undefined;

export function platformBackend(): Promise<Backend> {
  backend ??= process.platform === 'linux'
    ? import('./linux/backend.js').then((m) => m.linuxBackend)
    : process.platform === 'win32'
      ? import('./windows/backend.js').then((m) => m.windowsBackend)
      : Promise.reject(new TsrunError(`tsrun does not support ${process.platform} yet`));
  return backend;
}
