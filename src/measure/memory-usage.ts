// Placeholder until memoryUsage lands.
export interface MemoryUsageOptions { interval?: number; timeout?: number }
export async function memoryUsage(_target: unknown, _options?: MemoryUsageOptions): Promise<unknown> {
  throw new Error('memoryUsage() is not built yet');
}
