// Activation checkpointing (Chen et al. 2016, "Training deep nets with sublinear memory cost"): a function
// whose intermediates the gradient tape does not keep; the backward pass reruns it from its saved inputs.
// model.ts runs each decoder layer through it when asked. Values and gradients equal the plain path's.
import { tf } from '../runtime/tf.ts';
import { concatAxis, splitAxis } from './split_concat.ts';

/** The engine's tape, which a nested gradient computation replaces (tfjs-core engine.ts `gradients`). */
interface EngineTape {
  state: { activeTape: unknown };
}

/**
 * fn(inputs, constants) -> outputs, with only `inputs` and `constants` kept for the backward pass (cloned,
 * except variables, which outlive the step). `inputs` get gradients (a layer's input, its past keys and values,
 * the trained weights it reads); `constants` do not (attention bias, rope tables). fn must read every tensor
 * it differentiates through these arguments: the backward pass calls it again with the saved copies.
 */
export function checkpointed(fn: (inputs: tf.Tensor[], constants: tf.Tensor[]) => tf.Tensor[], inputs: tf.Tensor[], constants: tf.Tensor[]): tf.Tensor[] {
  let shapes: number[][] = [];
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ins = args.slice(0, inputs.length) as tf.Tensor[];
    save([...ins.filter((t) => !(t instanceof tf.Variable)), ...constants]);
    const outs = fn(ins, constants);
    shapes = outs.map((o) => o.shape);
    return {
      value: flatten(outs), // [sum of sizes]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => recomputeGrads(fn, ins, saved, dy),
    };
  });
  const flat = run(...inputs); // [sum of sizes]
  const parts = splitAxis(flat, shapes.map((s) => sizeOf(s)), 0);
  return parts.map((p, i) => tf.reshape(p, shapes[i]));
}

/** Gradients of fn's flattened outputs (weighted by dy) with respect to each input, fn rerun on the saved copies. */
function recomputeGrads(fn: (inputs: tf.Tensor[], constants: tf.Tensor[]) => tf.Tensor[], ins: tf.Tensor[], saved: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  let k = 0;
  const xs = ins.map((t) => (t instanceof tf.Variable ? t : saved[k++]));
  const constants = saved.slice(k);
  // This runs inside the outer backward pass, whose tape the engine drops when a gradient computation at
  // depth 0 ends (it then frees that tape's saved tensors); keep the outer one for the rest of its pass.
  const engine = tf.engine() as unknown as EngineTape;
  const outer = engine.state.activeTape;
  try {
    const { value, grads } = tf.engine().gradients(() => flatten(fn(xs, constants)), xs, dy, true);
    value.dispose();
    return grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
  } finally {
    engine.state.activeTape = outer;
  }
}

function flatten(xs: tf.Tensor[]): tf.Tensor1D {
  const flat = xs.map((x) => tf.reshape(x, [-1]));
  return (flat.length === 1 ? flat[0] : concatAxis(flat, 0)) as tf.Tensor1D;
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
