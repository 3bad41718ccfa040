/** What violet pushed to the platform. The ACP controllers read it: a chart that was never pushed cannot install. */
import type { VioletPush } from '../contract';

export class PushRegistry {
  private readonly items: VioletPush[] = [];
  private readonly listeners = new Set<(push: VioletPush) => void>();

  add(push: VioletPush): void {
    this.items.push(push);
    for (const l of this.listeners) l(push);
  }

  list(): VioletPush[] {
    return this.items.map((p) => ({ ...p, clusters: [...p.clusters] }));
  }

  /** Whether a file whose base name matches was pushed into the given chart repository. */
  has(match: (file: string) => boolean, chartRepo = 'public-charts'): boolean {
    return this.items.some((p) => p.targetChartRepo === chartRepo && match(p.file));
  }

  onPush(listener: (push: VioletPush) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
