export async function runEval(_args: string[], _options: { root: string }): Promise<number> {
  throw new Error("not implemented yet");
}
