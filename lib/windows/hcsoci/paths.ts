// Windows path helpers that work on any platform (node:path's win32 flavour
// would do for most, but its rules for \\?\ prefixes differ from HCS's).

/** The last component of a Windows path. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

/** C:\x, \\server\share\x or \\?\...: what HCS accepts as a host path. */
export function isAbsoluteWindowsPath(path: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

export function joinWindows(...parts: string[]): string {
  return parts.map((p, i) => (i === 0 ? p.replace(/[\\/]+$/, '') : p.replace(/^[\\/]+|[\\/]+$/g, ''))).join('\\');
}
