// Placeholder until the native core lands.
import type { SamplerOptions } from './native';
export class Sampler {
  constructor(_options?: SamplerOptions) {
    throw new Error('Sampler is not built yet');
  }
}
