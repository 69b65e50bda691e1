// Test kit for transport authors: the shared conformance suite (needs vitest) and test nodes.
export { describeTransportConformance, type ConformanceHarness, type ConformanceServer } from './transport-conformance.js';
export { conformanceNodes, SleepNode, FailOnNode, RepeatNode } from './conformance-nodes.js';
export { sampleOfEveryKind } from './sample-data.js';
export { createTestNodeContext, type TestNodeContext } from './node-context.js';
