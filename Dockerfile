# Portcullis as a container image. Multi-stage: the build stage assembles the packed npm package
# (`npm pack`: dist/, bin/, the secret rules) with its run-time node_modules (scripts/prune-runtime.mjs:
# no install-time tooling such as prebuild-install) and smoke-tests it; the
# final stage is the base plus the node binary and that tree, run as a non-root user, with no npm, no
# compiler and no package manager added. Built by scripts/build-image.sh (buildah, from the Debian 12
# slim base in ../shared/fixtures, the host's node binary), which then gates the image with Portcullis
# under the production example policy. See docs/ci.md#portcullis-as-an-image.
ARG BASE=localhost/portcullis-base:12-slim

FROM ${BASE} AS build
# context: node (the node binary), package/ (the unpacked npm pack tarball), node_modules/ (production only)
COPY node /usr/local/bin/node
COPY package/ /opt/portcullis/
COPY node_modules/ /opt/portcullis/node_modules/
# better-sqlite3's SQLite sources and build intermediates are not needed at run time
RUN rm -rf /opt/portcullis/node_modules/better-sqlite3/deps /opt/portcullis/node_modules/better-sqlite3/src \
      /opt/portcullis/node_modules/better-sqlite3/build/Release/obj /opt/portcullis/node_modules/better-sqlite3/build/Release/.deps \
      /opt/portcullis/node_modules/better-sqlite3/build/deps \
 && mkdir -p /home/portcullis/.cache/portcullis \
 && /usr/local/bin/node /opt/portcullis/bin/portcullis.js --version

FROM ${BASE}
ARG REVISION=unknown
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/portcullis /opt/portcullis
COPY --from=build --chown=10001:10001 /home/portcullis /home/portcullis
ENV HOME=/home/portcullis PORTCULLIS_CACHE_DIR=/home/portcullis/.cache/portcullis NODE_ENV=production
LABEL org.opencontainers.image.title="portcullis" \
      org.opencontainers.image.source="https://example.com/portcullis/portcullis" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/node", "/opt/portcullis/bin/portcullis.js"]
CMD ["--help"]
