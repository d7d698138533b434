/** See compiled.js. */
export function compiledEntry(root: string, env?: Record<string, string | undefined>): { entry: string | null; reason: string | null };
