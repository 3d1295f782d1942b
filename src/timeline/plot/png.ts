import { UsageError } from '../../errors';

// PNG through resvg (a Rust SVG renderer shipped as per-platform npm binaries): the PNG is
// the SVG rendering, so both outputs always show the same picture.

interface ResvgModule {
  Resvg: new (svg: string, options?: object) => { render(): { asPng(): Buffer } };
}

export function svgToPng(svg: string, scale = 1.5): Buffer {
  let resvg: ResvgModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    resvg = require('@resvg/resvg-js') as ResvgModule;
  } catch (err) {
    // An optional dependency: npm skips it where its platform binary does not exist or
    // `--omit=optional` was used.
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes("'@resvg/resvg-js'")) {
      throw new UsageError('PNG output needs the optional dependency @resvg/resvg-js, which is not installed (npm install @resvg/resvg-js); or write .svg or .html instead');
    }
    throw new UsageError(`PNG output needs @resvg/resvg-js, which could not load (${e.message.split('\n')[0]}); write .svg or .html instead`);
  }
  const renderer = new resvg.Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return renderer.render().asPng();
}
