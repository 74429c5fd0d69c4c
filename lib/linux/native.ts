// The Linux addon, typed. Only mechanism lives there: see native/linux.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface InitReport {
  kind: number;
  phase: number;
  index: number;
  errno: number;
  pid: number;
}

export interface ReapedStatus {
  code: number | null;
  signal: number | null;
}

export interface LinuxNative {
  /**
   * Starts tsrun-init (native/linux/init), which clones the container's init
   * and reports it on syncFd first (REPORT_PID; index 1: born in plan.cgroupFd).
   */
  spawn(plan: object): { pid: number; syncFd: number };
  send(fd: number, message: string): void;
  socketpair(): [number, number];
  connectUnix(path: string): number;
  recvFd(socket: number): number;
  setWinsize(fd: number, rows: number, cols: number): void;
  makeRaw(fd: number): Buffer;
  restoreTerminal(fd: number, saved: Buffer): void;
  /** null: none yet (after waiting up to waitMs on this thread); false: EOF. */
  readReport(fd: number, waitMs?: number): InitReport | null | false;
  /** A hook of the runtime's, with fds 0-2 only: the state on stdin, stderr to the memfd stderrFd. */
  spawnHook(path: string, argv: string[], env: string[], cwd: string, stdin: string): { pid: number; pidfd: number; stderrFd: number };
  pidfdOpen(pid: number): number;
  pidfdSignal(pidfd: number, signal: number): void;
  reap(pidfd: number): ReapedStatus | null | undefined;
  waitPid(pid: number): void;
  mkfifo(path: string, mode: number): void;
  close(fd: number): void;
  strerror(errno: number): string;
  reactorStart(dispatch: (fd: number) => void): void;
  watch(fd: number): void;
  unwatch(fd: number): void;
  reactorRef(ref: boolean): void;
  constants: Record<string, number>;
  /** The version of the libseccomp linked in. */
  seccompVersion: { major: number; minor: number; micro: number };
  seccompCompile(filter: import('./seccomp.js').SeccompFilter): { program: Buffer; unknownSyscalls: string[]; warnings: string[] };
  bpfLoadCgroupDevice(insns: Buffer, license: string): number;
  bpfAttachCgroup(cgroup: number | string, progFd: number): { replaced: number; detached: number };
  bpfQueryCgroup(cgroup: number | string): { id: number; tag: string }[];
}

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * build/Release (a source build) or the prebuild of this platform and CPU;
 * without either, an error that says how to build one.
 */
function load(): LinuxNative {
  try {
    return require('node-gyp-build')(packageRoot);
  } catch (e) {
    if (!/No native build was found/.test((e as Error).message)) throw e;
    throw new Error(`tsrun has no addon for ${process.platform}-${process.arch}: none of its prebuilds fits and none was built ` +
      'at install. Build it with `npm rebuild tsrun` (needs a C++ compiler, make, python3 and libseccomp-dev; an npm that ' +
      'blocks install scripts runs it once approved: `npm install-scripts approve tsrun`)', { cause: e });
  }
}

export const native: LinuxNative = load();
export const K = native.constants;
