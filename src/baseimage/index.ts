// Base images: the catalog of known/approved bases, lineage detection, attribution, upgrade advice.
export {
  CATALOG_API_VERSION,
  CATALOG_KIND,
  DEFAULT_CATALOG_FILE,
  emptyCatalog,
  entryFromInventory,
  entryInventory,
  entryKey,
  imageOwnName,
  loadCatalog,
  normaliseBaseName,
  parseCatalog,
  removeEntries,
  renderCatalog,
  saveCatalog,
  updateCatalog,
  upsertEntry,
  type Catalog,
  type CatalogEntry,
  type CatalogOs,
  type CatalogPackage,
  type EntryOptions,
} from './catalog.js';
export { detectLineage, layerChain, imageDiffIds, baseRef, BASE_NAME_KEY, BASE_DIGEST_KEY, type DetectOptions } from './detect.js';
export { declaredFrom, type DeclaredFrom } from './dockerfile.js';
export { guessInheritedLayers, looksLikeAppStep, type InheritedGuess } from './inherited.js';
export { attributeOrigin } from './attribute.js';
export { adviseBases, type AdviceInput } from './advice.js';
