// An independent float64 reference of HF transformers' forward pass (one unpadded sequence), written
// with plain loops straight from modeling_llama.py / modeling_qwen2.py / modeling_gpt2.py, to check
// the tfjs model's layout and conventions (Conv1D, rotate_half RoPE, repeat_kv, gelu_new).
import type { Model } from '../../../src/core/model/params.ts';

type Mat = number[][];

export function referenceLogits(model: Model, ids: number[]): Mat {
  const c = model.config;
  const get = (name: string): Float32Array => model.params[name].dataSync() as Float32Array;
  const has = (name: string): boolean => name in model.params;
  const C = c.hidden_size;
  const nH = c.num_attention_heads;
  const D = C / nH;
  const gpt2 = c.model_type === 'gpt2';
  const table = get(gpt2 ? 'transformer.wte.weight' : 'model.embed_tokens.weight');
  let x: Mat = ids.map((id) => Array.from(table.subarray(id * C, (id + 1) * C)));
  if (gpt2) {
    const wpe = get('transformer.wpe.weight');
    x = x.map((row, t) => row.map((v, j) => v + wpe[t * C + j]));
  }
  for (let i = 0; i < c.num_hidden_layers; i++) {
    if (gpt2) {
      const p = `transformer.h.${i}`;
      const h = x.map((r) => layerNorm(r, get(`${p}.ln_1.weight`), get(`${p}.ln_1.bias`), c.layer_norm_epsilon));
      const qkv = h.map((r) => conv1d(r, get(`${p}.attn.c_attn.weight`), get(`${p}.attn.c_attn.bias`)));
      const y = attend(qkv.map((r) => r.slice(0, C)), qkv.map((r) => r.slice(C, 2 * C)), qkv.map((r) => r.slice(2 * C)), nH, nH, D);
      x = add(x, y.map((r) => conv1d(r, get(`${p}.attn.c_proj.weight`), get(`${p}.attn.c_proj.bias`))));
      const h2 = x.map((r) => layerNorm(r, get(`${p}.ln_2.weight`), get(`${p}.ln_2.bias`), c.layer_norm_epsilon));
      const fc = h2.map((r) => conv1d(r, get(`${p}.mlp.c_fc.weight`), get(`${p}.mlp.c_fc.bias`)).map(geluNew));
      x = add(x, fc.map((r) => conv1d(r, get(`${p}.mlp.c_proj.weight`), get(`${p}.mlp.c_proj.bias`))));
    } else {
      const p = `model.layers.${i}`;
      const nKv = c.num_key_value_heads;
      const lin = (r: number[], name: string): number[] =>
        linear(r, get(`${p}.${name}.weight`), has(`${p}.${name}.bias`) ? get(`${p}.${name}.bias`) : undefined);
      const h = x.map((r) => rmsNorm(r, get(`${p}.input_layernorm.weight`), c.rms_norm_eps));
      const q = h.map((r, t) => rope(lin(r, 'self_attn.q_proj'), t, nH, D, c.rope_theta));
      const k = h.map((r, t) => rope(lin(r, 'self_attn.k_proj'), t, nKv, D, c.rope_theta));
      const v = h.map((r) => lin(r, 'self_attn.v_proj'));
      const y = attend(q, k, v, nH, nKv, D);
      x = add(x, y.map((r) => lin(r, 'self_attn.o_proj')));
      const h2 = x.map((r) => rmsNorm(r, get(`${p}.post_attention_layernorm.weight`), c.rms_norm_eps));
      const act = h2.map((r) => {
        const g = lin(r, 'mlp.gate_proj');
        const u = lin(r, 'mlp.up_proj');
        return g.map((gv, j) => (gv / (1 + Math.exp(-gv))) * u[j]);
      });
      x = add(x, act.map((r) => lin(r, 'mlp.down_proj')));
    }
  }
  const final = gpt2
    ? x.map((r) => layerNorm(r, get('transformer.ln_f.weight'), get('transformer.ln_f.bias'), c.layer_norm_epsilon))
    : x.map((r) => rmsNorm(r, get('model.norm.weight'), c.rms_norm_eps));
  const head = c.tie_word_embeddings ? table : get('lm_head.weight');
  return final.map((r) => linear(r, head));
}

/** nn.Linear: weight [out, in]. */
function linear(x: number[], w: Float32Array, b?: Float32Array): number[] {
  const out = w.length / x.length;
  return Array.from({ length: out }, (_, o) => {
    let s = b ? b[o] : 0;
    for (let j = 0; j < x.length; j++) s += w[o * x.length + j] * x[j];
    return s;
  });
}

/** GPT-2 Conv1D: weight [in, out]. */
function conv1d(x: number[], w: Float32Array, b: Float32Array): number[] {
  const out = b.length;
  return Array.from({ length: out }, (_, o) => {
    let s = b[o];
    for (let j = 0; j < x.length; j++) s += w[j * out + o] * x[j];
    return s;
  });
}

/** Causal attention; query head h uses kv head floor(h / (nH / nKv)) (HF repeat_kv). */
function attend(q: Mat, k: Mat, v: Mat, nH: number, nKv: number, D: number): Mat {
  const T = q.length;
  const rep = nH / nKv;
  return q.map((qr, t) => {
    const out = new Array<number>(nH * D).fill(0);
    for (let h = 0; h < nH; h++) {
      const g = Math.floor(h / rep);
      const scores: number[] = [];
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += qr[h * D + d] * k[s][g * D + d];
        scores.push(dot / Math.sqrt(D));
      }
      const m = Math.max(...scores);
      const e = scores.map((sc) => Math.exp(sc - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let s = 0; s <= t; s++) for (let d = 0; d < D; d++) out[h * D + d] += (e[s] / z) * v[s][g * D + d];
    }
    return out;
  }).slice(0, T);
}

/** HF apply_rotary_pos_emb with rotate_half: pairs (j, j + D/2). */
function rope(x: number[], pos: number, heads: number, D: number, theta: number): number[] {
  const out = x.slice();
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < D / 2; j++) {
      const angle = pos * Math.pow(theta, (-2 * j) / D);
      const a = x[h * D + j];
      const b = x[h * D + j + D / 2];
      out[h * D + j] = a * Math.cos(angle) - b * Math.sin(angle);
      out[h * D + j + D / 2] = b * Math.cos(angle) + a * Math.sin(angle);
    }
  }
  return out;
}

function rmsNorm(x: number[], w: Float32Array, eps: number): number[] {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  return x.map((v, j) => (v / Math.sqrt(ms + eps)) * w[j]);
}

function layerNorm(x: number[], w: Float32Array, b: Float32Array, eps: number): number[] {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  return x.map((v, j) => ((v - mean) / Math.sqrt(variance + eps)) * w[j] + b[j]);
}

function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

function add(a: Mat, b: Mat): Mat {
  return a.map((r, i) => r.map((v, j) => v + b[i][j]));
}
