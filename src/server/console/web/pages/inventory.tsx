// The image's inventory: OS and packages, searchable by name, version, type, purl or license.
import { useState } from 'preact/hooks';
import type { Report } from '../api.js';

export function Inventory({ report }: { report: Report }) {
  const [q, setQ] = useState('');
  const inv = report.inventory;
  const needle = q.toLowerCase();
  const pkgs = inv.packages.filter((p) => !needle || `${p.name} ${p.version} ${p.type} ${p.purl} ${p.licenses.join(' ')}`.toLowerCase().includes(needle));
  return (
    <section aria-labelledby="h-inventory">
      <h2 id="h-inventory">Inventory ({inv.packages.length} packages)</h2>
      <p class="muted">
        {inv.os?.prettyName ?? 'OS unknown'}; config digest <code>{inv.image.configDigest ?? '—'}</code>
      </p>
      <label class="inline">
        Search packages <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="name, version, type, purl, license" />
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">Package</th>
            <th scope="col">Version</th>
            <th scope="col">Type</th>
            <th scope="col">Licenses</th>
            <th scope="col">Layer</th>
          </tr>
        </thead>
        <tbody>
          {pkgs.slice(0, 300).map((p) => (
            <tr>
              <td title={p.purl}>{p.name}</td>
              <td>{p.version}</td>
              <td>{p.type}</td>
              <td>{p.licenses.join(', ') || '—'}</td>
              <td>{p.layer ? p.layer.index + 1 : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        {pkgs.length > 300 ? `First 300 of ${pkgs.length} matching packages: refine the search.` : `${pkgs.length} shown.`}
      </p>
    </section>
  );
}
