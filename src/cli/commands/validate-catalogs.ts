// `policy validate` also checks base catalogs (kind: BaseImageCatalog) found among the paths, so that
// `policy validate examples/` validates every shipped example, the catalog too.
import { expandPaths } from '../../policy/load.js';
import { MAX_CATALOG_BYTES, parseCatalog, type Catalog } from '../../baseimage/catalog.js';
import { readUserFile } from '../../core/userfile.js';

/** a top-level `kind: BaseImageCatalog` line (quoted or not); the catalog parser then validates the whole file */
const CATALOG_KIND = /^kind:[ \t]*(["']?)BaseImageCatalog\1[ \t]*(#.*)?$/m;

/** The catalogs among `paths` (validated) and the other files, for the policy loader. */
export async function validateCatalogs(paths: string[]): Promise<{ catalogs: Catalog[]; others: string[] }> {
  const catalogs: Catalog[] = [];
  const others: string[] = [];
  for (const f of await expandPaths(paths)) {
    // what cannot be read here is left to the policy loader, which says why (size, not a regular file, ...)
    const text = await readUserFile(f, MAX_CATALOG_BYTES, 'base catalog').then((b) => b.toString('utf8'), () => undefined);
    if (text !== undefined && CATALOG_KIND.test(text)) catalogs.push(parseCatalog(text, f));
    else others.push(f);
  }
  return { catalogs, others };
}
