import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredFrom } from './dockerfile.js';

function ref(text: string): string | undefined {
  const r = declaredFrom(text);
  return r.kind === 'image' ? r.ref : undefined;
}

test('the last stage FROM, with flags, aliases and case-insensitive keywords', () => {
  assert.equal(ref('FROM debian:12-slim\nRUN true\n'), 'debian:12-slim');
  assert.equal(ref('from --platform=$BUILDPLATFORM golang:1.22 as build\nRUN go build\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /x /x\n'), 'gcr.io/distroless/static:nonroot');
  assert.deepEqual(declaredFrom('# comment\n\nFROM alpine:3.19@sha256:' + 'a'.repeat(64) + '\n'), { kind: 'image', ref: 'alpine:3.19@sha256:' + 'a'.repeat(64), line: 3 });
});

test('ARG defaults before the first FROM are substituted (${X}, $X, ${X:-d})', () => {
  assert.equal(ref('ARG BASE=debian\nARG TAG=12-slim\nFROM ${BASE}:${TAG}\n'), 'debian:12-slim');
  assert.equal(ref('ARG REG="registry.example.com"\nFROM $REG/corp/base:1\n'), 'registry.example.com/corp/base:1');
  assert.equal(ref('ARG TAG\nFROM debian:${TAG:-12}\n'), 'debian:12');
  assert.equal(ref('ARG V=3.19\nARG IMG=alpine:${V}\nFROM ${IMG}\n'), 'alpine:3.19');
  // an ARG after FROM is stage-scoped and does not apply to a later FROM
  const r = declaredFrom('FROM debian:12\nARG X=alpine\nFROM $X\n');
  assert.equal(r.kind, 'none');
  assert.match((r as { problem: string }).problem, /line 3: FROM \$X: ARG X has no default/);
});

test('a FROM naming an earlier stage resolves to that stage\'s base', () => {
  assert.equal(ref('FROM debian:12 AS base\nRUN apt-get update\nFROM base AS final\nCOPY . /app\n'), 'debian:12');
  assert.equal(ref('FROM debian:12 AS a\nFROM a AS b\nFROM B\n'), 'debian:12', 'aliases are case-insensitive');
  assert.equal(ref('FROM node:20 AS build\nFROM nginx:1.27\nFROM 0\n'), 'node:20', 'stage by index');
  assert.equal(declaredFrom('FROM scratch AS s\nFROM s\n').kind, 'scratch');
});

test('FROM scratch is no base', () => {
  assert.deepEqual(declaredFrom('FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /app /app\n'), { kind: 'scratch', line: 2 });
  assert.equal(declaredFrom('FROM SCRATCH').kind, 'scratch');
});

test('line continuations, the escape directive and comments inside continuations', () => {
  assert.equal(ref('FROM \\\n  debian:12-slim\n'), 'debian:12-slim');
  assert.equal(ref('# escape=`\nFROM `\n  mcr.microsoft.com/windows/servercore:ltsc2022\n'), 'mcr.microsoft.com/windows/servercore:ltsc2022');
  assert.equal(ref('FROM debian:12 \\\n# a comment\n  AS x\nFROM x\n'), 'debian:12');
  assert.equal(ref('\uFEFFFROM debian:12\r\nRUN x\r\n'), 'debian:12', 'BOM and CRLF');
});

test('hostile: no FROM, empty FROM, weird FROM lines never throw', () => {
  for (const [text, re] of [
    ['', /no FROM instruction/],
    ['RUN echo hi\n', /no FROM instruction/],
    ['FROM\n', /FROM without an image/],
    ['FROM --platform=linux/amd64\n', /FROM without an image/],
    ['FROM a b c d\n', /cannot read FROM/],
    ['FROM $UNSET\n', /ARG UNSET has no default/],
    ['FROM ${A:+x}\n', /empty image/],
    ['FROM debian:12 AS\n', /cannot read FROM/],
    ['FROM "debian 12"\n', /cannot read FROM/],
    ['FROM x\u0000y\n', /NUL/],
    ['FROM ' + 'a'.repeat(2 * 1024 * 1024), /larger than/],
  ] as const) {
    const r = declaredFrom(text);
    assert.equal(r.kind, 'none', JSON.stringify(text.slice(0, 40)));
    assert.match((r as { problem: string }).problem, re, JSON.stringify(text.slice(0, 40)));
  }
  assert.equal(declaredFrom(null as unknown as string).kind, 'none');
  // an unterminated continuation at end of file still yields the instruction
  assert.equal(ref('FROM debian:12 \\'), 'debian:12');
  // FROM inside a heredoc-like RUN continuation is not an instruction
  assert.equal(ref('FROM alpine:3.19\nRUN echo \\\n FROM evil:1\n'), 'alpine:3.19');
});
