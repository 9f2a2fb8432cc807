import { changeset, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite chart drawn as SVG into `container`; rows are appended and redrawn at most once a frame. */
export class LiveChart {
  private readonly view: View;
  private queued: object[] = [];
  private frame = 0;

  constructor(container: HTMLElement, spec: TopLevelSpec, private readonly dataset: string) {
    container.replaceChildren();
    this.view = new View(parse(compile(spec).spec), { renderer: 'svg', container, hover: false });
    void this.view.runAsync();
  }

  append(rows: readonly object[]): void {
    this.queued.push(...rows);
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      const rows = this.queued;
      this.queued = [];
      void this.view.change(this.dataset, changeset().insert(rows)).runAsync();
    });
  }

  finalize(): void {
    cancelAnimationFrame(this.frame);
    this.view.finalize();
  }
}
