// Writes src/checks/secrets/rules/gitleaks.translated.json: the RE2 → JavaScript translation of every
// pattern of the default secret rules, and their TOML document parsed (with the sha256 of its text), so a
// scan neither translates nor parses them at start-up. Run after changing
// rules/gitleaks.toml or re2.ts (a test fails until then): `node --import tsx scripts/gen-secret-rules.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_RULES_PATH, TRANSLATIONS_PATH, translationsOf } from '../src/checks/secrets/config.js';

writeFileSync(TRANSLATIONS_PATH, translationsOf(readFileSync(DEFAULT_RULES_PATH, 'utf8'), DEFAULT_RULES_PATH));
console.log(`wrote ${TRANSLATIONS_PATH}`);
