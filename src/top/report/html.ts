import type { TopReport } from '../model';
export function formatTopHtml(report: TopReport): string {
  return `<!DOCTYPE html><html><body>${report.command}</body></html>`;
}
