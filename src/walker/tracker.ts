// Follows paths that content checks care about through later layers: a secret in a file that a later
// layer deletes is still in the image (anyone who pulls it gets the layer), and the report says
// "removed in layer N". Only tracked paths cost memory, not every entry of the image.
import type { LayerRef } from '../core/types.js';
import { PathIndex } from './pathindex.js';
import type { TrackedFile } from './types.js';

interface Item {
  layer: number;
  file: TrackedFile;
}

export class FileTracker {
  private readonly index = new PathIndex<Item>();

  /** Track `path` as added by `layer`; call it while (or after) that entry is shown to an observer. */
  readonly track = (path: string, layer: LayerRef): TrackedFile => {
    const file: TrackedFile = { path, layer, effective: true };
    this.index.add(path, { layer: layer.index, file });
    return file;
  };

  /** Walker side: apply one overlay removal (`fn` picks the victims) made by an entry of layer `by`. */
  kill(fn: (ix: PathIndex<{ layer: number }>) => { layer: number }[], by: LayerRef): void {
    for (const item of fn(this.index as unknown as PathIndex<{ layer: number }>) as Item[]) {
      item.file.effective = false;
      item.file.removedIn ??= by;
    }
  }
}
