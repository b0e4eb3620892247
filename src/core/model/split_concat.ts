// Split, unstack, stack and concat along an axis as single memory copies. On wasm, tfjs' SplitV and Unpack
// slice every piece after copying the whole input out of the wasm heap (tfjs-backend-wasm Slice calls
// readSync), so k pieces cost k full copies, and Concat's gradient is such a split. Here each piece is
// copied once from a view of the heap. Pure copies: the values equal tf.split/tf.concat on every backend.
import { tf } from '../runtime/tf.ts';

const SPLIT = 'TtpaSplitCopy';
const CONCAT = 'TtpaConcatCopy';

/** The two methods of tfjs-backend-wasm's BackendWasm the split kernel uses. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface SplitAttrs {
  sizes: number[];
  axis: number;
}

const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

function splitKernel(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { sizes, axis } = args.attrs as unknown as SplitAttrs;
  const backend = args.backend as HeapBackend;
  const inner = product(x.shape.slice(axis + 1));
  const outer = product(x.shape.slice(0, axis));
  const rowLen = x.shape[axis] * inner;
  const outs = sizes.map((s) => backend.makeOutput([...x.shape.slice(0, axis), s, ...x.shape.slice(axis + 1)], x.dtype));
  const src = backend.typedArrayFromHeap(x); // views taken after every allocation (a heap growth moves the buffer)
  let offset = 0;
  outs.forEach((o, i) => {
    const dst = backend.typedArrayFromHeap(o);
    const len = sizes[i] * inner;
    if (outer === 1) dst.set(src.subarray(offset, offset + len));
    else if (len >= 64) for (let r = 0; r < outer; r++) dst.set(src.subarray(r * rowLen + offset, r * rowLen + offset + len), r * len);
    else for (let r = 0; r < outer; r++) for (let j = 0, s = r * rowLen + offset, d = r * len; j < len; j++) dst[d + j] = src[s + j];
    offset += len;
  });
  return outs;
}

let registered = false;

/** Registers the two kernels for wasm (once) and reports whether they are in use now. */
function useCopyKernels(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (registered) return true;
  const wasmConcat = tf.getKernel('Concat', 'wasm');
  if (!wasmConcat) return false;
  tf.registerKernel({ kernelName: SPLIT, backendName: 'wasm', kernelFunc: splitKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: CONCAT, backendName: 'wasm', kernelFunc: wasmConcat.kernelFunc });
  tf.registerGradient({
    kernelName: SPLIT,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const { axis } = attrs as unknown as SplitAttrs;
      return { x: () => concatAxis(Array.isArray(dy) ? dy : [dy], axis) }; // the engine fills unused outputs' dy with zeros
    },
  });
  tf.registerGradient({
    kernelName: CONCAT,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const { sizes, axis } = attrs as unknown as SplitAttrs;
      const parts = splitAxis(dy as tf.Tensor, sizes, axis);
      return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
    },
  });
  registered = true;
  return true;
}

/** tf.split(x, sizes, axis) (sizes summing to the axis length). */
export function splitAxis(x: tf.Tensor, sizes: number[], axis: number): tf.Tensor[] {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!useCopyKernels() || x.dtype === 'string') return tf.split(x, sizes, ax);
  return tf.engine().runKernel(SPLIT, { x }, { sizes, axis: ax } as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** tf.concat(xs, axis); its gradient is splitAxis. */
export function concatAxis(xs: tf.Tensor[], axis: number): tf.Tensor {
  const ax = axis < 0 ? axis + xs[0].rank : axis;
  if (xs.length === 1) return tf.clone(xs[0]); // like tf.concat: the caller may dispose its inputs
  if (!useCopyKernels()) return tf.concat(xs, ax);
  // Inputs as an array, like tf.concat: wasm's Concat kernel maps over them.
  return tf.engine().runKernel(CONCAT, xs as unknown as tf.NamedTensorMap, { axis: ax, sizes: xs.map((x) => x.shape[ax]) } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** tf.unstack(x, 0): the rows of axis 0 without it. */
export function unstackRows(x: tf.Tensor): tf.Tensor[] {
  const rest = x.shape.slice(1);
  return splitAxis(x, new Array<number>(x.shape[0]).fill(1), 0).map((p) => tf.reshape(p, rest));
}

/** tf.stack(xs, 0). */
export function stackRows(xs: tf.Tensor[]): tf.Tensor {
  return concatAxis(xs.map((x) => tf.reshape(x, [1, ...x.shape])), 0);
}
