// crates.io versions: SemVer 2.0.0 as the Rust `semver` crate orders it (build metadata ignored for
// precedence, like Cargo's resolver and the RustSec/OSV ranges). https://doc.rust-lang.org/cargo/reference/semver.html
import type { VersionScheme } from '../../core/types.js';
import { defineScheme } from '../common.js';
import { compareSemver, parseSemver } from '../semver/index.js';

export const cargoScheme: VersionScheme = defineScheme('cargo', parseSemver, compareSemver);
