// The console's shell: login with an API token (kept in sessionStorage for this tab only), who is
// logged in, navigation, and the pages. Links the role may not follow are not shown.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, canAudit, session, setUnauthorizedHandler, type Me } from './api.js';
import { href, useLocation } from './router.js';
import { Dashboard } from './pages/dashboard.js';
import { ImagePage } from './pages/image.js';
import { ExceptionsPage } from './pages/exceptions.js';
import { PoliciesPage } from './pages/policies.js';
import { AuditPage } from './pages/audit.js';

function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const me = await api<Me>('GET', '/whoami', undefined, token.trim());
      if (me.role === 'ci') throw new Error('a ci token uploads scans; log in with a security, viewer or admin token');
      session.set(token.trim());
      onLogin(me);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main class="login">
      <h1>Portcullis</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" type="password" autocomplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} required placeholder="pcs_…" />
        <p class="muted">Created with <code>portcullis server token create</code>. Kept in this tab only.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          Log in
        </button>
      </form>
    </main>
  );
}

const NAV: { path: string; label: string; show: (me: Me) => boolean }[] = [
  { path: '/', label: 'Dashboard', show: () => true },
  { path: '/exceptions', label: 'Exceptions', show: () => true },
  { path: '/policies', label: 'Policies & bases', show: () => true },
  { path: '/audit', label: 'Audit log', show: canAudit },
];

function Shell({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const loc = useLocation();
  const section = '/' + (loc.path.split('/')[1] ?? '');
  let page;
  if (loc.path === '/image') page = <ImagePage me={me} params={loc.params} />;
  else if (loc.path === '/exceptions') page = <ExceptionsPage me={me} params={loc.params} />;
  else if (loc.path === '/policies') page = <PoliciesPage me={me} />;
  else if (loc.path === '/audit' && canAudit(me)) page = <AuditPage params={loc.params} />;
  else page = <Dashboard me={me} />;
  useEffect(() => {
    document.getElementById('main')?.focus();
  }, [loc.path]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header>
        <strong class="brand">Portcullis</strong>
        <nav aria-label="Sections">
          {NAV.filter((n) => n.show(me)).map((n) => (
            <a href={href(n.path)} aria-current={section === n.path || (n.path === '/' && section === '/image') ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {me.name} <span class="badge role">{me.role}</span>
        </span>
        <button type="button" onClick={onLogout}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      session.clear();
      setMe(null);
    });
    if (!session.get()) return setMe(null);
    api<Me>('GET', '/whoami').then(setMe, () => {
      session.clear();
      setMe(null);
    });
  }, []);
  if (me === undefined) return <p class="muted">Loading…</p>;
  if (me === null) return <Login onLogin={setMe} />;
  return (
    <Shell
      me={me}
      onLogout={() => {
        session.clear();
        setMe(null);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
