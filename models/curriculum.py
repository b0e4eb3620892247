"""Dataset transforms for the default model's SFT curriculum (models/README.md, phases 5 and 6).

  python3 models/curriculum.py drop-tools SHARE SEED FILE...   calling samples lose their tool list with probability SHARE
  python3 models/curriculum.py first-call SHARE SEED FILE...   keep each sample up to its first assistant turn, if that turn
                                                               calls tools; then drop the tool list with probability SHARE
Writes JSONL to stdout. Python's seeded `random` makes the output reproducible.
"""
import json
import random
import sys


def main(mode, share, seed, files):
    rng = random.Random(int(seed))
    share = float(share)
    for path in files:
        with open(path) as f:
            for line in f:
                s = json.loads(line)
                msgs = s['messages']
                calls = any(m.get('tool_calls') for m in msgs)
                if mode == 'first-call':
                    first = next((i for i, m in enumerate(msgs) if m['role'] == 'assistant'), None)
                    if first is None or not msgs[first].get('tool_calls'):
                        continue
                    s['messages'] = msgs[:first + 1]
                elif mode != 'drop-tools':
                    sys.exit(f'unknown mode {mode!r}: drop-tools or first-call')
                if calls and rng.random() < share:
                    s['tools'] = []
                print(json.dumps(s))


if __name__ == '__main__':
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
