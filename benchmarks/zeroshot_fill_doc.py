import json, re, subprocess
doc = open('benchmarks/zeroshot.md').read()
rep = subprocess.run(['.venv/bin/python','benchmarks/zeroshot_report.py'],capture_output=True,text=True).stdout
# drop the NLI part (already above) - keep from the data-set table on
rep = rep[rep.index('| data set'):]
cov = json.load(open('benchmarks/zeroshot_results/coverage_vs_alpha.json'))
lines = ["| data set | " + " | ".join(f"α={a:g}" for a in next(iter(cov.values()))['alpha']) + " |", "|---|" + "---|"*len(next(iter(cov.values()))['alpha'])]
for k,v in cov.items():
    lines.append(f"| {k} | " + " | ".join(f"{100*c:.1f}% / {s:.1f}" for c,s in zip(v['coverage'],v['avg_set_size'])) + " |")
covtxt = "coverage of the full-label top label / average set size:\n\n" + "\n".join(lines)
for name, text in (("table", rep.strip()), ("coverage", covtxt)):
    block = f"<!-- {name} -->\n{text}\n<!-- /{name} -->"
    if f"{name.upper()}_PLACEHOLDER" in doc:
        doc = doc.replace(f"{name.upper()}_PLACEHOLDER", block)
    else:
        doc = re.sub(rf"<!-- {name} -->.*?<!-- /{name} -->", lambda m: block, doc, flags=re.S)
open('benchmarks/zeroshot.md','w').write(doc)
