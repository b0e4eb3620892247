import { describe, expect, it } from 'vitest';
import { configFromHF, configToHF, MODEL_PRESETS, resolveModelConfig } from '../../../src/core/model/config.ts';

describe('configFromHF / configToHF', () => {
  it('reads gpt2 native names and writes them back', () => {
    const hf = { model_type: 'gpt2', vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024, n_inner: null,
      layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: 50256, eos_token_id: 50256 };
    const c = configFromHF(hf);
    expect(c).toMatchObject({ model_type: 'gpt2', hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12,
      num_attention_heads: 12, num_key_value_heads: 12, max_position_embeddings: 1024, tie_word_embeddings: true, eos_token_id: 50256 });
    const out = configToHF(c);
    expect(out).toMatchObject({ architectures: ['GPT2LMHeadModel'], n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024, n_inner: 3072 });
    expect(configFromHF(out)).toEqual(c);
  });

  it('reads qwen2 (always q/k/v bias) and llama, round trips every preset', () => {
    const qwen = configFromHF({ model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24,
      num_attention_heads: 14, num_key_value_heads: 2, max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 1000000,
      tie_word_embeddings: true, hidden_act: 'silu', eos_token_id: 151643, rope_scaling: null });
    expect(qwen).toMatchObject({ attention_bias: true, num_key_value_heads: 2, rope_theta: 1000000, tie_word_embeddings: true });
    expect(configToHF(qwen).architectures).toEqual(['Qwen2ForCausalLM']);
    for (const name of Object.keys(MODEL_PRESETS)) {
      const c = resolveModelConfig(name);
      expect(configFromHF(configToHF(c))).toEqual(c);
    }
    expect(configToHF(resolveModelConfig('default')).architectures).toEqual(['LlamaForCausalLM']);
  });

  it('names the bad field', () => {
    const good = configToHF(resolveModelConfig('tiny'));
    expect(() => configFromHF({ ...good, hidden_size: 100, num_attention_heads: 3 }))
      .toThrow('config.json: hidden_size must be divisible by num_attention_heads (got 100 and 3)');
    expect(() => configFromHF({ ...good, num_key_value_heads: 3 })).toThrow(/num_attention_heads must be divisible by num_key_value_heads/);
    expect(() => configFromHF({ ...good, model_type: 'bert' })).toThrow(/model_type must be one of gpt2, llama, qwen2/);
    expect(() => configFromHF({ ...good, vocab_size: '12' })).toThrow(/vocab_size must be a number/);
    expect(() => configFromHF({ ...good, num_hidden_layers: 0 })).toThrow(/num_hidden_layers must be a positive integer/);
    expect(() => configFromHF([])).toThrow(/JSON object/);
    expect(() => configFromHF({ ...good, head_dim: 16 })).toThrow(/head_dim must equal hidden_size \/ num_attention_heads \(got 16 and 8\)/);
    expect(() => configFromHF({ ...good, rope_scaling: { rope_type: 'llama3', factor: 8 } })).toThrow(/rope_scaling must be null/);
    expect(() => resolveModelConfig('nope')).toThrow(/model preset must be one of/);
    expect(() => resolveModelConfig('tiny', { eos_token_id: 64 })).toThrow(/eos_token_id must be an integer in \[0, vocab_size\)/);
  });

  it('default preset is a ~1-2M parameter llama with 2 kv heads', () => {
    const c = resolveModelConfig('default', { vocab_size: 2048 });
    expect(c).toMatchObject({ model_type: 'llama', hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4,
      num_key_value_heads: 2, intermediate_size: 352, max_position_embeddings: 1024, tie_word_embeddings: true });
  });
});
