import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerfileChecks } from './dockerfile.js';

test('Dockerfile lint: unpinned and :latest bases, install flags, curl | sh, ADD where COPY fits, with line numbers', () => {
  const text = [
    'FROM golang:1.22 AS build', // 1: unpinned
    'RUN apt-get update && apt-get install -y git', // 2: no --no-install-recommends
    'FROM debian', // 3: unpinned, no tag
    'COPY --from=build /out /app',
    'RUN apt-get update \\',
    '  && apt-get install -y --no-install-recommends curl', // 5: fine
    'RUN curl -fsSL https://get.example.com/install.sh | bash', // 7
    'ADD app.tar.gz /srv/', // 8
    'ADD config.json /etc/app/', // 9
    'ADD https://example.com/x /opt/x', // 10
    'FROM build', // a stage: no finding
    'FROM debian:12-slim@sha256:' + 'a'.repeat(64), // pinned
  ].join('\n');
  const f = dockerfileChecks(text, 'Dockerfile');
  assert.deepEqual(
    f.map((x) => [x.check, x.evidence?.line]),
    [
      ['PCL-DF-0001', 1],
      ['PCL-DF-0002', 2],
      ['PCL-DF-0001', 3],
      ['DKL-DI-0006', 3],
      ['PCL-DF-0003', 7],
      ['CIS-DI-0009', 8],
      ['CIS-DI-0009', 9],
      ['CIS-DI-0009', 10],
    ],
  );
  assert.match(f[5]!.detail, /^Dockerfile:8: ADD unpacks app\.tar\.gz implicitly/);
  assert.match(f[7]!.detail, /remote URL/);
});

test('a clean Dockerfile gives nothing; hostile text does not throw', () => {
  const clean = ['FROM debian:12-slim@sha256:' + 'b'.repeat(64), 'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*', 'COPY app /app', 'USER 10001'].join('\n');
  assert.deepEqual(dockerfileChecks(clean, 'Dockerfile'), []);
  assert.doesNotThrow(() => dockerfileChecks('\u0000'.repeat(1000) + '\nFROM\nADD\nRUN ' + '|'.repeat(100_000), 'Dockerfile'));
});
