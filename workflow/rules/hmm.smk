# Profile HMM: train from unaligned sequences, annotate a genome (both strands).


rule hmm_train:
    input:
        repo_path(config["hmm"]["family"]),
    output:
        hmm="hmm/model.hmm",
        json="hmm/model.json",
    log:
        "logs/hmm_train.log",
    benchmark:
        "benchmarks/hmm_train.tsv"
    params:
        emtk=emtk_binary(),
        seed=config["seed"],
    threads: config["threads"]
    resources:
        mem_mb=500,
    conda:
        "../envs/emtk.yaml"
    shell:
        "{params.emtk} hmm train -t {threads} --seed {params.seed} --json {output.json} -o {output.hmm} "
        "{input} 2> {log}"


rule hmm_search:
    input:
        hmm="hmm/model.hmm",
        targets=repo_path(config["hmm"]["targets"]),
    output:
        gff3="hmm/annotation.gff3",
        bed="hmm/annotation.bed",
        tbl="hmm/annotation.tsv",
        txt="hmm/annotation.txt",
    log:
        "logs/hmm_search.log",
    benchmark:
        "benchmarks/hmm_search.tsv"
    params:
        emtk=emtk_binary(),
        evalue=config["hmm"]["evalue"],
    threads: config["threads"]
    resources:
        mem_mb=500,
    conda:
        "../envs/emtk.yaml"
    shell:
        "{params.emtk} hmm search -t {threads} -E {params.evalue} --tblout {output.tbl} --gff3 {output.gff3} "
        "--bed {output.bed} {input.hmm} {input.targets} > {output.txt} 2> {log}"
