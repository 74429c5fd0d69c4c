// Process identity from /proc: a pid alone can be reused, so the state keeps
// the start time too (as runc does) and checks both.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  state: string;
  startTime: number;
}

export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields follow the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], startTime: Number(fields[19]) };
}

/** True while the process that was recorded (pid + start time) still runs. */
export function isAlive(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const st = procStat(pid);
  return st !== undefined && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}
