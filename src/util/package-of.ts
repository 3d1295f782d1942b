/** `lodash` for .../node_modules/lodash/x.js (or a file:// URL), `@scope/pkg` for scoped packages, else null. */
export function packageOf(file: string): string | null {
  const parts = file.split(/[\\/]/);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || i + 1 >= parts.length) return null;
  return parts[i + 1].startsWith('@') && i + 2 < parts.length ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1];
}
