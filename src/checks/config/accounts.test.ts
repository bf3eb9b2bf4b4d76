import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountChecks, passwdUsers } from './accounts.js';

const L = { index: 0, diffId: 'sha256:' + 'a'.repeat(64) };

test('passwd: extra UID-0 accounts, empty password fields, hashes in passwd, duplicate UIDs', () => {
  const passwd = ['root:x:0:0:root:/root:/bin/bash', 'toor:x:0:0::/root:/bin/sh', 'guest::1001:1001::/home/guest:/bin/sh', 'old:$1$abc$def:1002:1002::/:/bin/sh', 'a:x:1000:1000::/:/bin/sh', 'b:x:1000:1000::/:/bin/sh', '+::::::'].join('\n');
  const f = accountChecks({ passwd: { text: passwd, layer: L } });
  assert.deepEqual(f.map((x) => [x.check, x.detail]), [
    ['PCL-LI-0003', 'account toor has UID 0'],
    ['DKL-LI-0001', 'account guest has an empty password field in /etc/passwd'],
    ['PCL-LI-0001', 'account old has a password hash in /etc/passwd'],
    ['DKL-LI-0002', 'UID 1000 is shared by a, b'],
  ]);
  assert.deepEqual([...passwdUsers(passwd)], [['root', 0], ['toor', 0], ['guest', 1001], ['old', 1002], ['a', 1000], ['b', 1000]]);
});

test('shadow: empty, set, and locked-but-present hashes; locked without hash and * pass; values never shown', () => {
  const shadow = ['root:*:19000:0:99999:7:::', 'daemon:!:19000::::::', 'app::19000::::::', 'dev:$6$salt$hashhashhash:19000::::::', 'gone:!$y$j9T$salt$hash:19000::::::', 'sys:!!:19000::::::'].join('\n');
  const f = accountChecks({ shadow: { text: shadow, layer: L } });
  assert.deepEqual(f.map((x) => [x.check, x.path]), [['DKL-LI-0001', '/etc/shadow'], ['PCL-LI-0001', '/etc/shadow'], ['PCL-LI-0002', '/etc/shadow']]);
  assert.ok(!JSON.stringify(f).includes('hashhash'));
});

test('group: duplicate GIDs; a clean Debian-like set passes', () => {
  assert.deepEqual(accountChecks({ group: { text: 'root:x:0:\nwheel:x:10:\nstaff:x:10:', layer: L } }).map((x) => x.detail), ['GID 10 is shared by groups wheel, staff']);
  const clean = accountChecks({
    passwd: { text: 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n', layer: L },
    shadow: { text: 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n', layer: L },
    group: { text: 'root:x:0:\ndaemon:x:1:\n', layer: L },
  });
  assert.deepEqual(clean, []);
});

test('garbage lines are skipped, not thrown on', () => {
  assert.deepEqual(accountChecks({ passwd: { text: '\u0000\u0001garbage\n:::\nroot:x:zero:0::/:/bin/sh', layer: L }, shadow: { text: 'x', layer: L } }), []);
});
