// The console's shell: login with an API token or, when the server has SSO (OIDC), through the
// identity provider (the server hands the session token back in the URL fragment; it is moved to
// sessionStorage and removed from the address bar at once), who is logged in, navigation, and the
// pages. Links the role may not follow are not shown. Logging out of an SSO session revokes it.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, canAudit, session, setUnauthorizedHandler, type AuthConfig, type Me } from './api.js';
import { href, useLocation } from './router.js';
import { Dashboard } from './pages/dashboard.js';
import { ImagePage } from './pages/image.js';
import { ExceptionsPage } from './pages/exceptions.js';
import { PoliciesPage } from './pages/policies.js';
import { AuditPage } from './pages/audit.js';

/** `#session=pcs_…` after an SSO login: keep the token for this tab and take it out of the URL and history. */
function takeSessionFromUrl(): void {
  const m = /^#session=(pcs_[A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!m) return;
  session.set(m[1]!);
  history.replaceState(null, '', `${location.pathname}#/`);
}

function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [sso, setSso] = useState<string>();
  useEffect(() => {
    api<AuthConfig>('GET', '/auth/config', undefined, null).then(
      (c) => setSso(c.oidc.enabled ? c.oidc.loginUrl : undefined),
      () => setSso(undefined),
    );
  }, []);
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
      {sso && (
        <p class="sso">
          <a class="button primary" href={sso} data-testid="sso">
            Sign in with SSO
          </a>
        </p>
      )}
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
    takeSessionFromUrl();
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
        // an SSO session is revoked on the server; an API token is only forgotten by this tab
        const done = () => (session.clear(), setMe(null));
        if (me.login === 'oidc') api('POST', '/auth/logout').then(done, done);
        else done();
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
