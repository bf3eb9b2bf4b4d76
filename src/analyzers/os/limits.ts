// The largest package database file (dpkg status and info/*.list, apk installed, rpm Packages /
// rpmdb.sqlite / Packages.db) an OS analyzer accepts. The walker buffers a selected file only up to the
// cap of the analyzers that want it, so this is also what one such file costs in memory; a larger one is
// a `file-too-large` gap, never read. Real databases stay far below (a 5,000-package dpkg status is ~15 MB,
// rpm's Packages of a full RHEL install ~100 MB).
export const MAX_PACKAGE_DB_BYTES = 256 * 1024 * 1024;
