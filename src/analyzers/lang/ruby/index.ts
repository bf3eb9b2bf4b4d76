// Ruby ecosystem: installed gem specifications (`gem-installed`) and Gemfile.lock (`gem-lockfile`).
export { gemInstalledAnalyzer, isInstalledGemspec, parseGemspec, rubyString, GEM_INSTALLED, MAX_GEMSPEC_BYTES } from './gemspec.js';
export { gemLockfileAnalyzer, parseGemfileLock, splitPlatform, GEM_LOCKFILE, MAX_GEMFILE_LOCK_BYTES } from './gemfilelock.js';
