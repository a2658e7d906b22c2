#!/usr/bin/env python3
"""Replace a fraction of a FASTA file's records by a random 30-60% piece of themselves (fixed seed):
a training set with many fragments (bench/README.md, "Fragments").

  hmm_train_fragments.py IN.fa OUT.fa FRACTION SEED
"""
import random, sys
src, dst, frac, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
recs=[]; name=None
for l in open(src):
    l=l.strip()
    if l.startswith('>'): name=l[1:]; recs.append([name,''])
    else: recs[-1][1]+=l
with open(dst,'w') as f:
    for n,s in recs:
        if rng.random() < frac:
            k = int(len(s)*rng.uniform(0.3,0.6)); a = rng.randrange(len(s)-k+1); s = s[a:a+k]
        f.write('>%s\n%s\n'%(n,s))
