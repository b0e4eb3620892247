// Model configuration: one plain-JSON shape for the three supported families, mirroring HF config.json.
// Reads and writes HF's native field names (gpt2's n_embd/n_layer/..., llama/qwen2's hidden_size/...);
// it does not know about tokenizers or checkpoints beyond the vocab size they imply.

export type ModelType = 'gpt2' | 'llama' | 'qwen2';

/** A decoder-only transformer, named as in HF transformers' LlamaConfig (gpt2 fields are mapped). */
export interface ModelConfig {
  model_type: ModelType;
  /** Rows of the embedding and of the output head. */
  vocab_size: number;
  /** Residual width C. */
  hidden_size: number;
  /** MLP width (gpt2: n_inner, defaulting to 4 * hidden_size). */
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  /** Grouped-query attention: kv heads shared by num_attention_heads / num_key_value_heads query heads (gpt2: = heads). */
  num_key_value_heads: number;
  /** Longest sequence (gpt2: rows of wpe; llama/qwen2: informative). */
  max_position_embeddings: number;
  /** RMSNorm epsilon (llama, qwen2). */
  rms_norm_eps: number;
  /** LayerNorm epsilon (gpt2). */
  layer_norm_epsilon: number;
  /** RoPE base (llama, qwen2). */
  rope_theta: number;
  /** Output head shares the token embedding (gpt2: always). */
  tie_word_embeddings: boolean;
  /** 'silu' (llama, qwen2) or 'gelu_new' (gpt2). */
  hidden_act: string;
  /** Bias on attention projections: llama q/k/v/o; qwen2 q/k/v (always true for qwen2); gpt2 always has biases. */
  attention_bias: boolean;
  bos_token_id?: number;
  eos_token_id?: number;
  pad_token_id?: number;
}

/** Frozen defaults every preset starts from: a small Llama-style model. */
export const DEFAULT_MODEL_CONFIG: Readonly<ModelConfig> = Object.freeze({
  model_type: 'llama',
  vocab_size: 512,
  hidden_size: 128,
  intermediate_size: 352,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 1024,
  rms_norm_eps: 1e-6,
  layer_norm_epsilon: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
  hidden_act: 'silu',
  attention_bias: false,
});

/** Named starting points; the vocab size normally comes from the tokenizer as an override. */
export const MODEL_PRESETS: Record<string, Partial<ModelConfig>> = {
  tiny: {
    vocab_size: 64, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 128,
  },
  'tiny-gpt2': {
    model_type: 'gpt2', vocab_size: 64, hidden_size: 32, intermediate_size: 128, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 4, max_position_embeddings: 128, hidden_act: 'gelu_new',
    attention_bias: true,
  },
  'tiny-qwen2': {
    model_type: 'qwen2', vocab_size: 64, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 128, attention_bias: true,
  },
  default: {},
  'default-x4': {
    hidden_size: 256, intermediate_size: 704, num_hidden_layers: 4, num_attention_heads: 8, num_key_value_heads: 4,
  },
};

/** Merges DEFAULT_MODEL_CONFIG, a preset (by name or value) and overrides; validates the result. */
export function resolveModelConfig(preset: string | Partial<ModelConfig> = 'default', overrides: Partial<ModelConfig> = {}): ModelConfig {
  const base = typeof preset === 'string' ? MODEL_PRESETS[preset] : preset;
  if (!base) throw new Error(`model preset must be one of ${Object.keys(MODEL_PRESETS).join(', ')} (got ${String(preset)})`);
  const c: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...base, ...overrides };
  if (c.model_type === 'gpt2') Object.assign(c, { num_key_value_heads: c.num_attention_heads, tie_word_embeddings: true });
  if (c.model_type === 'qwen2') c.attention_bias = true;
  return validateModelConfig(c, 'model config');
}

/** Throws naming the first bad field; returns the config unchanged. */
export function validateModelConfig(c: ModelConfig, where = 'config.json'): ModelConfig {
  const fail = (msg: string): never => { throw new Error(`${where}: ${msg}`); };
  if (!['gpt2', 'llama', 'qwen2'].includes(c.model_type)) fail(`model_type must be one of gpt2, llama, qwen2 (got ${String(c.model_type)})`);
  const positiveInts = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
    'num_key_value_heads', 'max_position_embeddings'] as const;
  for (const k of positiveInts) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) fail(`${k} must be a positive integer (got ${String(v)})`);
  }
  for (const k of ['rms_norm_eps', 'layer_norm_epsilon', 'rope_theta'] as const) {
    if (typeof c[k] !== 'number' || !(c[k] > 0)) fail(`${k} must be a number > 0 (got ${String(c[k])})`);
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    fail(`hidden_size must be divisible by num_attention_heads (got ${c.hidden_size} and ${c.num_attention_heads})`);
  }
  if (c.num_attention_heads % c.num_key_value_heads !== 0) {
    fail(`num_attention_heads must be divisible by num_key_value_heads (got ${c.num_attention_heads} and ${c.num_key_value_heads})`);
  }
  if ((c.hidden_size / c.num_attention_heads) % 2 !== 0 && c.model_type !== 'gpt2') {
    fail(`head dim hidden_size / num_attention_heads must be even for RoPE (got ${c.hidden_size / c.num_attention_heads})`);
  }
  const act = c.model_type === 'gpt2' ? ['gelu_new', 'gelu_pytorch_tanh'] : ['silu'];
  if (!act.includes(c.hidden_act)) fail(`hidden_act must be ${act.join(' or ')} for ${c.model_type} (got ${c.hidden_act})`);
  if (typeof c.tie_word_embeddings !== 'boolean') fail(`tie_word_embeddings must be a boolean (got ${String(c.tie_word_embeddings)})`);
  if (c.model_type === 'gpt2' && !c.tie_word_embeddings) fail('tie_word_embeddings must be true for gpt2');
  for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id'] as const) {
    const v = c[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v >= c.vocab_size)) fail(`${k} must be an integer in [0, vocab_size) (got ${String(v)})`);
  }
  return c;
}

/** Parses an HF config.json object (gpt2, llama or qwen2) into a validated ModelConfig. */
export function configFromHF(json: unknown): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('config.json: must be a JSON object');
  const j = json as Record<string, unknown>;
  const type = j.model_type;
  const num = (k: string, fallback?: number): number => {
    const v = j[k] ?? fallback;
    if (typeof v !== 'number') throw new Error(`config.json: ${k} must be a number (got ${JSON.stringify(v)})`);
    return v;
  };
  const tokenId = (k: string): number | undefined => {
    const v = Array.isArray(j[k]) ? (j[k] as unknown[])[0] : j[k];
    return typeof v === 'number' ? v : undefined;
  };
  const ids = { bos_token_id: tokenId('bos_token_id'), eos_token_id: tokenId('eos_token_id'), pad_token_id: tokenId('pad_token_id') };
  for (const k of Object.keys(ids) as (keyof typeof ids)[]) if (ids[k] === undefined) delete ids[k];
  let c: ModelConfig;
  if (type === 'gpt2') {
    const C = num('n_embd');
    const nHead = num('n_head');
    c = {
      model_type: 'gpt2', vocab_size: num('vocab_size'), hidden_size: C,
      intermediate_size: typeof j.n_inner === 'number' ? j.n_inner : 4 * C,
      num_hidden_layers: num('n_layer'), num_attention_heads: nHead, num_key_value_heads: nHead,
      max_position_embeddings: num('n_positions'), rms_norm_eps: 1e-6, layer_norm_epsilon: num('layer_norm_epsilon', 1e-5),
      rope_theta: 10000, tie_word_embeddings: true, hidden_act: String(j.activation_function ?? 'gelu_new'),
      attention_bias: true, ...ids,
    };
    if (j.scale_attn_by_inverse_layer_idx === true || j.reorder_and_upcast_attn === true) {
      throw new Error('config.json: scale_attn_by_inverse_layer_idx and reorder_and_upcast_attn must be false (not supported)');
    }
  } else if (type === 'llama' || type === 'qwen2') {
    const nHead = num('num_attention_heads');
    c = {
      model_type: type, vocab_size: num('vocab_size'), hidden_size: num('hidden_size'),
      intermediate_size: num('intermediate_size'), num_hidden_layers: num('num_hidden_layers'),
      num_attention_heads: nHead, num_key_value_heads: num('num_key_value_heads', nHead),
      max_position_embeddings: num('max_position_embeddings', 2048), rms_norm_eps: num('rms_norm_eps', 1e-6),
      layer_norm_epsilon: 1e-5, rope_theta: num('rope_theta', 10000),
      tie_word_embeddings: j.tie_word_embeddings === true,
      hidden_act: String(j.hidden_act ?? 'silu'),
      attention_bias: type === 'qwen2' ? true : j.attention_bias === true, ...ids,
    };
    if (j.mlp_bias === true) throw new Error('config.json: mlp_bias must be false (MLP biases are not supported)');
    if (j.use_sliding_window === true) throw new Error('config.json: use_sliding_window must be false (sliding-window attention is not supported)');
    const headDim = c.hidden_size / c.num_attention_heads;
    if (typeof j.head_dim === 'number' && j.head_dim !== headDim) {
      throw new Error(`config.json: head_dim must equal hidden_size / num_attention_heads (got ${j.head_dim} and ${headDim})`);
    }
    const scaling = j.rope_scaling;
    if (scaling !== undefined && scaling !== null) throw new Error('config.json: rope_scaling must be null (RoPE scaling is not supported)');
  } else {
    throw new Error(`config.json: model_type must be one of gpt2, llama, qwen2 (got ${JSON.stringify(type)})`);
  }
  return validateModelConfig(c);
}

/** Writes config.json in the family's native field names, loadable by HF transformers' AutoModelForCausalLM. */
export function configToHF(c: ModelConfig): Record<string, unknown> {
  const ids: Record<string, number> = {};
  for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id'] as const) if (c[k] !== undefined) ids[k] = c[k] as number;
  if (c.model_type === 'gpt2') {
    return {
      architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: c.vocab_size, n_embd: c.hidden_size,
      n_layer: c.num_hidden_layers, n_head: c.num_attention_heads, n_positions: c.max_position_embeddings,
      n_ctx: c.max_position_embeddings, n_inner: c.intermediate_size, activation_function: c.hidden_act,
      layer_norm_epsilon: c.layer_norm_epsilon, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0,
      initializer_range: 0.02, tie_word_embeddings: true, torch_dtype: 'float32', ...ids,
    };
  }
  return {
    architectures: [c.model_type === 'llama' ? 'LlamaForCausalLM' : 'Qwen2ForCausalLM'], model_type: c.model_type,
    vocab_size: c.vocab_size, hidden_size: c.hidden_size, intermediate_size: c.intermediate_size,
    num_hidden_layers: c.num_hidden_layers, num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.num_key_value_heads, max_position_embeddings: c.max_position_embeddings,
    rms_norm_eps: c.rms_norm_eps, rope_theta: c.rope_theta, rope_scaling: null, hidden_act: c.hidden_act,
    tie_word_embeddings: c.tie_word_embeddings, attention_dropout: 0, initializer_range: 0.02,
    ...(c.model_type === 'llama' ? { attention_bias: c.attention_bias, mlp_bias: false } : { use_sliding_window: false }),
    torch_dtype: 'float32', ...ids,
  };
}
