// Small hand-written data for the worker API tests: two tool-call conversations and a plain answer, and four preference pairs.
import type { PreferencePair, Sample } from '../../src/protocol.ts';
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

/** Four turn-level pairs of different lengths (chosen: a longer answer naming the city). */
export function tinyPairs(): PreferencePair[] {
  const side = (text: string, esm: number): PreferencePair['chosen'] => ({ text, ids: [], esm, categories: [], source: 'ground_truth' as PreferencePair['chosen']['source'] });
  return ['Oslo', 'Lima', 'Rome', 'Quito'].map((city, i) => ({
    sampleId: `s${i}`, turnIndex: 1, turnType: 'text', mode: 'turn', kind: 'turn', prompt: [{ role: 'user', content: `Weather in ${city}?` }], tools: [],
    prefix: '', chosen: side(`It is ${'cold '.repeat(i + 1)}in ${city}.`, 1), rejected: side('Hot.', 0), divergenceIndex: null, spanType: null, margin: 1,
  }) as PreferencePair);
}
