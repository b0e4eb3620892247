// The published config.json of two real checkpoints, field for field, so the bench measures real shapes
// with random weights made locally (seeded): no download. SmolLM2-135M (llama) and Qwen2.5-0.5B (qwen2).

/** HuggingFaceTB/SmolLM2-135M config.json. */
export const SMOLLM2_135M_CONFIG = Object.freeze({
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  is_llama_config: true,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  pretraining_tp: 1,
  rms_norm_eps: 1e-05,
  rope_interleaved: false,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.40.1',
  use_cache: true,
  vocab_size: 49152,
});

/** Qwen/Qwen2.5-0.5B config.json. */
export const QWEN25_05B_CONFIG = Object.freeze({
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-06,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.40.1',
  use_cache: true,
  use_mrope: false,
  use_sliding_window: false,
  vocab_size: 151936,
});

export const REAL_CONFIGS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = Object.freeze({
  'SmolLM2-135M': SMOLLM2_135M_CONFIG,
  'Qwen2.5-0.5B': QWEN25_05B_CONFIG,
});
