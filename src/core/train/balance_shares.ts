// Cutting one micro-batch into data-parallel parts of about equal work: a part is padded to its longest item,
// so its cost is items × longest length. Items go longest first into consecutive parts, and the cut points
// minimise the costliest part. Which item goes where; nothing here changes a loss (data_parallel.ts adds them up).

/**
 * `items` (dataset indices) cut into `parts` non-empty groups, given each item's padded length. The groups come
 * cheapest first, so replica 0, which also applies the update, gets the least. Needs items.length >= parts.
 */
export function cutByLength(items: number[], length: (index: number) => number, parts: number): number[][] {
  const sorted = [...items].sort((a, b) => length(b) - length(a)); // stable: equal lengths keep their order
  const L = sorted.map(length);
  const n = sorted.length;
  const cost = (i: number, j: number): number => (j - i) * L[i]; // items i..j-1, padded to L[i]
  // best[r][j]: the smallest costliest part when the first j sorted items form r + 1 parts; cut[r][j] its last start.
  const best: number[][] = [Array.from({ length: n + 1 }, (_, j) => (j > 0 ? cost(0, j) : Infinity))];
  const cut: number[][] = [Array.from({ length: n + 1 }, () => 0)];
  for (let r = 1; r < parts; r++) {
    best.push(Array.from({ length: n + 1 }, () => Infinity));
    cut.push(Array.from({ length: n + 1 }, () => 0));
    for (let j = r + 1; j <= n; j++) {
      for (let i = r; i < j; i++) {
        const c = Math.max(best[r - 1][i], cost(i, j));
        if (c < best[r][j]) {
          best[r][j] = c;
          cut[r][j] = i;
        }
      }
    }
  }
  const groups: number[][] = [];
  for (let r = parts - 1, j = n; r >= 0; r--) {
    const i = cut[r][j];
    groups.unshift(sorted.slice(i, j));
    j = i;
  }
  return groups
    .map((g, k) => ({ g, k, c: g.length * length(g[0]) }))
    .sort((a, b) => a.c - b.c || a.k - b.k)
    .map((x) => x.g);
}
