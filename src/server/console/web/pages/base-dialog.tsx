// Record the image of a scan as a base in a catalog (the entry `portcullis base add` writes); policies
// then approve it from the Policies & bases page.
import { useState } from 'preact/hooks';
import { api, type StoredObject } from '../api.js';
import { Dialog, useGet } from '../ui.js';

export function BaseDialog({ scanId, suggested, onClose, onDone }: { scanId: number; suggested: string; onClose: () => void; onDone: (text: string) => void }) {
  const catalogs = useGet<{ items: StoredObject[] }>('/catalogs');
  const [catalog, setCatalog] = useState('');
  const [base, setBase] = useState(suggested);
  const [approved, setApproved] = useState(true);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const names = (catalogs.data?.items ?? []).map((c) => c.name);
  const target = catalog || names[0] || 'base-catalog';
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ base: string; revision: number; replaced: boolean }>('POST', `/catalogs/${encodeURIComponent(target)}/bases`, {
        scanId: String(scanId),
        ...(base.trim() ? { base: base.trim() } : {}),
        approved,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      onDone(`${r.base} ${r.replaced ? 'replaced' : 'recorded'} in catalog ${target} (revision ${r.revision}).`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Dialog title="Record as a base image" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <p class="muted">Images built on it are then recognised by their layers; policies approve it by name on the Policies &amp; bases page.</p>
        <label for="base-name">Base name (repo:tag)</label>
        <input id="base-name" required value={base} onInput={(e) => setBase(e.currentTarget.value)} />
        <label for="base-catalog">Catalog</label>
        <input id="base-catalog" list="base-catalogs" value={catalog} placeholder={target} onInput={(e) => setCatalog(e.currentTarget.value)} />
        <datalist id="base-catalogs">
          {names.map((n) => (
            <option value={n} />
          ))}
        </datalist>
        <label>
          <input type="checkbox" checked={approved} onChange={(e) => setApproved(e.currentTarget.checked)} /> Approved in the catalog
        </label>
        <label for="base-note">Note</label>
        <input id="base-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Record base
          </button>
        </div>
      </form>
    </Dialog>
  );
}
