import type { NodeDefinition } from '../node-definition.js';
import { audioNodes } from '../audio/index.js';
import { CalculatorNode } from './calculator.js';
import { PassThroughNode } from './pass-through.js';
import { TextCollectorNode } from './text-collector.js';

export { CalculatorNode, PassThroughNode, TextCollectorNode };

/** Built-in node types that run on any platform (browser included). */
export const builtinNodes: readonly NodeDefinition[] = [PassThroughNode, CalculatorNode, TextCollectorNode, ...audioNodes];
