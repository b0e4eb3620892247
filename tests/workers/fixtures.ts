// Small hand-written samples for the worker API tests (two tool-call conversations and a plain answer).
import type { Sample } from '../../src/protocol.ts';
import { TOOLS, toolSchemas } from '../../src/core/tools/catalog.ts';

const tool = TOOLS[0].schema;

export function tinySamples(): Sample[] {
  const name = tool.function.name;
  const props = Object.keys(tool.function.parameters.properties);
  const args = Object.fromEntries(props.map((k, i) => [k, i + 2]));
  return [0, 1, 2].map((i) => ({
    id: `t${i}`,
    tools: toolSchemas([name]),
    meta: { category: 'single', domains: [TOOLS[0].domain] },
    messages: [
      { role: 'user', content: `please run ${name} number ${i}` },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name, arguments: { ...args, [props[0]]: i } } }] },
      { role: 'tool', name, content: JSON.stringify({ result: i }) },
      { role: 'assistant', content: `The answer is ${i}.` },
    ],
  }));
}
