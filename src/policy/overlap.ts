// One fact, one judgement. Some facts are seen by two controls: the root user by `user.forbidRoot` and
// by the config check's CIS-DI-0001; a secret in an ENV variable by the secrets check and by the config
// check's CIS-DI-0010 (the variable's name looks secret). When the more specific control already
// judges the fact (not a pass), the config check's finding is judged as covered by it, so a developer
// sees one violation with one fix instead of two. When that control passes it (an allow-listed secret,
// no forbidRoot), the config control judges its finding as usual: nothing is lost.
import type { Finding } from '../core/types.js';
import type { Judgement } from './controls.js';
import { ROOT_USER_CHECK } from './derive.js';

/** The config check that flags ENV variables (and build arguments) whose names look secret. */
export const SECRET_ENV_CHECK = 'CIS-DI-0010';

interface Item {
  finding: Finding;
  judgement: Judgement;
  derived: boolean;
}

/** Rewrites, in place, the judgement of config findings whose fact another control already judges. */
export function judgeOverlapsOnce(items: Item[]): void {
  const rootJudged = items.some((i) => i.derived && i.finding.kind === 'config' && i.finding.check === 'root-user' && i.judgement.level !== 'pass');
  const secretEnvs = new Map<string, Finding>();
  for (const i of items) {
    if (i.finding.kind === 'secret' && i.judgement.level !== 'pass' && i.finding.path.startsWith('config:env/')) secretEnvs.set(i.finding.path.slice('config:env/'.length), i.finding);
  }
  for (const i of items) {
    const f = i.finding;
    if (i.derived || f.kind !== 'config' || i.judgement.level === 'pass') continue;
    if (f.check === ROOT_USER_CHECK && rootJudged) {
      i.judgement = { level: 'pass', control: 'user.forbidRoot', message: `config check ${ROOT_USER_CHECK}: judged once, as user.forbidRoot (root-user)` };
      continue;
    }
    const env = f.check === SECRET_ENV_CHECK && f.evidence?.source === 'config' ? /^Env (.+)$/.exec(f.evidence.text ?? '')?.[1] : undefined;
    const secret = env !== undefined ? secretEnvs.get(env) : undefined;
    if (secret && secret.kind === 'secret') {
      i.judgement = { level: 'pass', control: 'secrets', message: `config check ${SECRET_ENV_CHECK} (ENV ${env}): judged once, as the secret ${secret.rule} found in it` };
    }
  }
}
