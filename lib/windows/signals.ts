// Signal numbers as hcsshim maps them for Windows containers
// (internal/signals ValidateWCOW): the Windows console control events by
// their own numbers, SIGTERM as CtrlShutdown, SIGKILL as terminate.
import { InvalidArgumentError } from '../errors.js';

export type HcsSignal = { terminate: true } | { terminate: false; document: string };

const CTRL_EVENTS: Record<number, string> = {
  0: 'CtrlC',
  1: 'CtrlBreak',
  2: 'CtrlClose',
  5: 'CtrlLogOff',
  6: 'CtrlShutdown',
  15: 'CtrlShutdown', // SIGTERM is most like CtrlShutdown.
};

const SIGKILL = 9;

export function hcsSignal(signal: number): HcsSignal {
  if (signal === SIGKILL) return { terminate: true };
  const name = CTRL_EVENTS[signal];
  if (!name) {
    throw new InvalidArgumentError(`signal ${signal} has no Windows equivalent (0 CtrlC, 1 CtrlBreak, 2 CtrlClose, 5 CtrlLogOff, 6 or 15 CtrlShutdown, 9 terminate)`);
  }
  return { terminate: false, document: JSON.stringify({ Signal: name }) };
}
