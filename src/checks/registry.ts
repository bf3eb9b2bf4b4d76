// Every content check, listed explicitly. Adding one = a folder under checks/ and one line here.
import type { CheckFactory } from './types.js';
import { configCheckFactory } from './config/index.js';
import { malwareCheck } from './malware/index.js';
import { secretsCheck } from './secrets/index.js';

export const checkFactories: CheckFactory[] = [configCheckFactory, malwareCheck, secretsCheck];
