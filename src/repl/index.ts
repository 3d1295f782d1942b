// Placeholder until the REPL commands land.
export function addCommands(): never { throw new Error('the REPL commands are not built yet'); }
