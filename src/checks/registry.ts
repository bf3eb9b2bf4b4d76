// Every content check, listed explicitly. Adding one = a folder under checks/ and one line here.
import type { CheckFactory } from './types.js';
import { malwareCheck } from './malware/index.js';

export const checkFactories: CheckFactory[] = [malwareCheck];
