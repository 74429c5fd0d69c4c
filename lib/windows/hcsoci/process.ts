// An OCI `process` as HCS process parameters (hcsshim: internal/cmd/cmd.go,
// Cmd.Start for a Windows host).
import type { Process } from '../../spec/types.js';
import { commandLine } from './commandline.js';
import { fail } from './oci.js';
import type { ProcessParameters } from './schema.js';

/** `field` names the process in errors: "process" for the init, "exec" for exec'd ones. */
export function processParameters(process: Process, field = 'process'): ProcessParameters {
  const given = process.commandLine;
  if (given === undefined && !process.args?.length) fail(`${field}.args`, 'is required (or process.commandLine)');
  const environment: Record<string, string> = {};
  for (const entry of process.env ?? []) {
    const eq = entry.indexOf('=');
    // hcsshim drops entries without a value: HCS takes an empty one as "unset".
    if (eq > 0 && eq < entry.length - 1) environment[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const terminal = process.terminal === true;
  const params: ProcessParameters = {
    CommandLine: given ? given : commandLine(process.args ?? []),
    ...(process.user?.username ? { User: process.user.username } : {}),
    ...(process.cwd ? { WorkingDirectory: process.cwd } : {}),
    Environment: environment,
    ...(terminal ? { EmulateConsole: true } : {}),
    CreateStdInPipe: true,
    CreateStdOutPipe: true,
    // An emulated console carries both output streams.
    ...(terminal ? {} : { CreateStdErrPipe: true }),
  };
  if (process.consoleSize) params.ConsoleSize = [process.consoleSize.height, process.consoleSize.width];
  return params;
}
