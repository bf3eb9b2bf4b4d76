// Public API of the policy module.
export { evaluate, evaluateWithTrace, imageOf, type EvalContext, type TraceEntry, type Outcome } from './evaluate.js';
export { selectPolicies, policyApplies, DEFAULT_POLICY } from './select.js';
export { loadPolicies, loadExceptions, loadDocuments, parseDocuments, canonicalJson, digestOf } from './load.js';
export { decisionRecord, verifyDecisionRecord, writeDecisionRecord, DECISION_RECORD_VERSION, EMPTY_DIGEST, type DecisionRecord } from './record.js';
export { explain, formatExplanations, type Explanation } from './explain.js';
export { formatDecision } from './format.js';
export { normaliseImageName, parseImageRef, imageMatchesAny, type ImageId } from './imageref.js';
export {
  API_VERSION,
  EMPTY_EXCEPTIONS,
  type Policy,
  type PolicyDoc,
  type Controls,
  type PolicyException,
  type AllowEntry,
  type ExceptionSet,
} from './schema.js';
