# Coverage: window depths scattered by chromosome, gathered, copy-number states on the whole genome.


rule cov_depth_chrom:
    # One chromosome of one BAM: window depths (and its states, mosdepth summary and distributions).
    input:
        bam=cov_bam,
    output:
        multiext("cov/{sample}/{chrom}", *COV_BAM_OUTPUTS),
    log:
        "logs/cov_depth_{sample}_{chrom}.log",
    benchmark:
        "benchmarks/cov_depth_{sample}_{chrom}.tsv"
    params:
        emtk=emtk_binary(),
        seed=config["seed"],
        prefix=lambda wildcards, output: cov_prefix(output[0]),
        window=config["cov"]["window"],
    threads: config["threads"]
    resources:
        mem_mb=1000,
    conda:
        "../envs/emtk.yaml"
    shell:
        "{params.emtk} cov -t {threads} --seed {params.seed} -w {params.window} --chroms {wildcards.chrom} "
        "-o {params.prefix} {input.bam} 2> {log}"


rule cov_gather_depth:
    # chrom, start, end, depth of every window, chromosomes in the configured order
    input:
        expand("cov/{{sample}}/{chrom}.windows.bed.gz", chrom=config["cov"]["chromosomes"]),
    output:
        "cov/{sample}.depth.bed",
    log:
        "logs/cov_gather_{sample}.log",
    benchmark:
        "benchmarks/cov_gather_{sample}.tsv"
    threads: 1
    resources:
        mem_mb=200,
    conda:
        "../envs/emtk.yaml"
    shell:
        "(for f in {input}; do gzip -dc $f | grep -v '^#' | cut -f 1-4; done > {output}) 2> {log}"


rule cov_states:
    # Copy-number states (mixture + HMM segmentation) of the gathered depths.
    input:
        "cov/{sample}.depth.bed",
    output:
        multiext("cov/{sample}", *COV_DEPTH_BED_OUTPUTS),
    log:
        "logs/cov_states_{sample}.log",
    benchmark:
        "benchmarks/cov_states_{sample}.tsv"
    params:
        emtk=emtk_binary(),
        seed=config["seed"],
        prefix=lambda wildcards, output: cov_prefix(output[0]),
    threads: config["threads"]
    resources:
        mem_mb=1000,
    conda:
        "../envs/emtk.yaml"
    shell:
        "{params.emtk} cov -t {threads} --seed {params.seed} --segment --depth-bed -o {params.prefix} "
        "{input} 2> {log}"
