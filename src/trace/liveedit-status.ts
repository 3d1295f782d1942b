/** Why V8 refused a Debugger.setScriptSource, in words (in-process profile() and memprof attach). */
export function liveEditRefusal(status: string): string {
  switch (status) {
    case 'BlockedByActiveFunction':
    case 'BlockedByActiveGenerator':
      return 'it is running right now (on the stack or a suspended generator): V8 cannot replace running code';
    case 'BlockedByTopLevelEsModuleChange':
      return 'V8 cannot edit the top level of an ES module';
    default:
      return `V8 refused the edit (${status})`;
  }
}
