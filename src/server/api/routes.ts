// The whole route table of /api/v1 (the authorisation test and the OpenAPI document enumerate it).
import { adminRoutes } from './admin.js';
import { baseRoutes } from './bases.js';
import { assuranceRoutes } from './assurance.js';
import { exceptionRoutes } from './exceptions.js';
import { objectRoutes } from './objects.js';
import { overviewRoutes } from './overview.js';
import type { Route } from './route.js';
import { scanRoutes } from './scans.js';
import { authRoutes } from '../oidc/routes.js';
import { vexRoutes } from './vex.js';

export const ROUTES: readonly Route[] = [...objectRoutes, ...exceptionRoutes, ...vexRoutes, ...scanRoutes, ...assuranceRoutes, ...adminRoutes, ...overviewRoutes, ...baseRoutes, ...authRoutes];
