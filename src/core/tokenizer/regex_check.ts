// Refuses tokenizer.json regexes that can backtrack catastrophically: JavaScript cannot interrupt a
// running regex, so a pattern like `(a+)+b` would hang encoding on a short prompt. The check is static
// and conservative: a repeated group that itself contains a repetition ("star height" 2) is refused.
// It does not prove a pattern safe (overlapping alternatives like `(a|a)*` pass); real tokenizers'
// patterns (GPT-2, Llama 3, Qwen2) have star height 1.

/** Where a repetition can repeat without bound (`*`, `+`, `{n,}`, `{n,m}` with m > 1) at `i`, its length. */
function quantifierAt(re: string, i: number): number {
  const c = re[i];
  if (c === '*' || c === '+') return re[i + 1] === '?' || re[i + 1] === '+' ? 2 : 1;
  if (c === '{') {
    const m = /^\{(\d*)(,?)(\d*)\}/.exec(re.slice(i));
    if (!m || (m[1] === '' && m[3] === '')) return 0;
    const unbounded = m[2] === ',' && (m[3] === '' || Number(m[3]) > 1);
    return unbounded || (m[2] === '' && Number(m[1]) > 1) ? m[0].length : 0;
  }
  return 0;
}

/** The nested repetition in `re`, as the text of the outer group, or undefined if there is none. */
export function nestedRepetition(re: string): string | undefined {
  const open: { start: number; repeats: boolean }[] = [];
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      i++;
      if (quantifierAt(re, i + 1) && open.length) open[open.length - 1].repeats = true;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (re[j] === '^') j++;
      if (re[j] === ']') j++;
      while (j < re.length && re[j] !== ']') j += re[j] === '\\' ? 2 : 1;
      i = j;
      if (quantifierAt(re, i + 1) && open.length) open[open.length - 1].repeats = true;
      continue;
    }
    if (c === '(') {
      open.push({ start: i, repeats: false });
      continue;
    }
    if (c === ')') {
      const group = open.pop();
      const q = quantifierAt(re, i + 1);
      if (group && q && group.repeats) return re.slice(group.start, i + 1 + q);
      if (group && (q || group.repeats) && open.length) open[open.length - 1].repeats = true;
      continue;
    }
    if (quantifierAt(re, i)) {
      if (open.length) open[open.length - 1].repeats = true;
      i += quantifierAt(re, i) - 1;
      continue;
    }
  }
  return undefined;
}

/** Every `{"Regex": ...}` pattern in a tokenizer.json object, with its JSON path. */
function regexesIn(value: unknown, path: string, out: [string, string][]): [string, string][] {
  if (Array.isArray(value)) value.forEach((v, i) => regexesIn(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Regex' && typeof v === 'string') out.push([`${path}.Regex`, v]);
      else if (k !== 'model' && k !== 'added_tokens') regexesIn(v, path ? `${path}.${k}` : k, out);
    }
  }
  return out;
}

/** Throws naming the field of the first regex in tokenizer.json with a nested repetition. */
export function checkTokenizerRegexes(tokenizerJson: Record<string, unknown>): void {
  for (const [path, re] of regexesIn(tokenizerJson, '', [])) {
    const nested = nestedRepetition(re);
    if (nested) {
      throw new Error(`tokenizer.json: ${path} ${JSON.stringify(re)} repeats a group that itself repeats (${nested}), which can take exponential time on short inputs; refused`);
    }
  }
}
