// Placeholder until memit lands.
export interface MemitOptions { repeat?: number; interval?: number; includeChildren?: boolean }
export interface MemitResult { peak: number; increment: number }
export async function memit(_fn: () => unknown, _options?: MemitOptions): Promise<MemitResult> {
  throw new Error('memit() is not built yet');
}
