// Small shared pieces: data loading, badges, a modal dialog (the native <dialog>: focus trap and Esc),
// messages and dates.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/** GET a path (null: nothing to load yet); reload() fetches again. */
export function useGet<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: path !== null });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (e: Error) => live && setState({ error: e.message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Status<T>({ of, children }: { of: Loaded<T>; children: (d: T) => ComponentChildren }) {
  if (of.error) return <p class="error" role="alert">{of.error}</p>;
  if (of.data === undefined) return <p class="muted" aria-busy="true">Loading…</p>;
  return <>{children(of.data)}</>;
}

export function Verdict({ v }: { v: string | null | undefined }) {
  const label = v ?? 'no decision';
  return <span class={`badge verdict-${v ?? 'none'}`}>{label}</span>;
}

export function Sev({ s }: { s: string }) {
  return <span class={`badge sev-${s}`}>{s}</span>;
}

export function Kev() {
  return (
    <abbr class="badge kev" title="in CISA's Known Exploited Vulnerabilities catalog">
      KEV
    </abbr>
  );
}

export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onClose={onClose} onCancel={onClose}>
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}

export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');
export const time = (iso: string | null | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');
export const shortDigest = (d: string | null | undefined) => (d ? d.replace(/^sha256:/, '').slice(0, 12) : '—');

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted">{children}</p>;
}
