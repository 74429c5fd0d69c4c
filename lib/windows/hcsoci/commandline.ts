// Windows command lines: a process gets one string, which its C runtime
// splits back into argv (CommandLineToArgvW's rules). hcsshim joins OCI
// `args` with golang.org/x/sys/windows.EscapeArg; this quotes the same way.

/** One argument, quoted so that CommandLineToArgvW gives it back unchanged. */
export function escapeArg(arg: string): string {
  if (arg === '') return '""';
  const special = /["\\ \t]/.test(arg);
  if (!special) return arg;
  const spaced = /[ \t]/.test(arg);
  if (!/["\\]/.test(arg)) return `"${arg}"`;
  let out = spaced ? '"' : '';
  let slashes = 0;
  for (const c of arg) {
    if (c === '\\') {
      slashes++;
    } else {
      // Backslashes are literal unless they precede a quote: then each is doubled and the quote escaped.
      if (c === '"') out += '\\'.repeat(slashes + 1);
      slashes = 0;
    }
    out += c;
  }
  // Backslashes before the closing quote would escape it: double them.
  return spaced ? `${out}${'\\'.repeat(slashes)}"` : out;
}

export function commandLine(args: readonly string[]): string {
  return args.map(escapeArg).join(' ');
}
