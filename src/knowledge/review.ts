export async function review(_args: string[], _options: { root: string }): Promise<number> {
  throw new Error("not implemented yet");
}
