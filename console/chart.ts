// The Overview's chart: uPlot, a small canvas charting library, in a lazy chunk of its own (only this page needs it).
import uPlot from 'uplot';

export interface DailySeries {
  days: string[];
  series: Array<{ label: string; values: number[] }>;
}

let stylesheet: HTMLLinkElement | undefined;

/** Draws the series into `into` (its width), colours from the page's own palette (light or dark); returns a disposer. */
export function drawDailyChart(into: HTMLElement, data: DailySeries): () => void {
  if (!stylesheet) {
    stylesheet = document.createElement('link');
    stylesheet.rel = 'stylesheet';
    stylesheet.href = '/console/uplot.css';
    document.head.append(stylesheet);
  }
  const style = getComputedStyle(document.documentElement);
  const colour = (name: string) => style.getPropertyValue(name).trim();
  const palette = [colour('--accent'), colour('--chart-2')];
  const axis = { stroke: colour('--muted'), grid: { stroke: colour('--border'), width: 1 }, ticks: { stroke: colour('--border') } };
  const chart = new uPlot(
    {
      width: Math.max(260, into.clientWidth),
      height: 220,
      scales: { x: { time: false } },
      axes: [{ ...axis, values: (_, ticks) => ticks.map((index) => data.days[index]?.slice(5) ?? '') }, { ...axis }],
      series: [{ label: 'day' }, ...data.series.map((each, index) => ({ label: each.label, stroke: palette[index], width: 2, points: { size: 5 } }))],
      legend: { show: true },
    },
    [data.days.map((_, index) => index), ...data.series.map((each) => each.values)],
    into,
  );
  return () => chart.destroy();
}
