# Imputation: scattered by chromosome (--region), gathered with bcftools concat.


rule impute_input:
    # The example has one contig ("1"); a copy renamed "2" makes a two-chromosome file.
    input:
        repo_path(config["impute"]["vcf"]),
    output:
        vcf="impute/input.vcf.gz",
        tbi="impute/input.vcf.gz.tbi",
        rename=temp("impute/rename.txt"),
        renamed=temp("impute/chr2.vcf.gz"),
        renamed_tbi=temp("impute/chr2.vcf.gz.tbi"),
    log:
        "logs/impute_input.log",
    benchmark:
        "benchmarks/impute_input.tsv"
    threads: 1
    resources:
        mem_mb=200,
    conda:
        "../envs/bcftools.yaml"
    shell:
        "(echo '1 2' > {output.rename} && "
        "bcftools annotate --rename-chrs {output.rename} -Oz -o {output.renamed} {input} && "
        "bcftools index -t {output.renamed} && "
        "bcftools concat -Oz -o {output.vcf} {input} {output.renamed} && "
        "bcftools index -t {output.vcf}) 2> {log}"


rule impute_chrom:
    input:
        vcf="impute/input.vcf.gz",
        tbi="impute/input.vcf.gz.tbi",
    output:
        vcf="impute/pieces/{chrom}.vcf.gz",
        tbi="impute/pieces/{chrom}.vcf.gz.tbi",
        json="impute/pieces/{chrom}.json",
    log:
        "logs/impute_{chrom}.log",
    benchmark:
        "benchmarks/impute_{chrom}.tsv"
    params:
        emtk=emtk_binary(),
        seed=config["seed"],
    threads: config["threads"]
    resources:
        mem_mb=1000,
    conda:
        "../envs/emtk.yaml"
    shell:
        "{params.emtk} impute -t {threads} --seed {params.seed} --region {wildcards.chrom} "
        "--json {output.json} -o {output.vcf} {input.vcf} 2> {log}"


rule impute_concat:
    input:
        expand("impute/pieces/{chrom}.vcf.gz", chrom=config["impute"]["chromosomes"]),
    output:
        vcf="impute/imputed.vcf.gz",
        tbi="impute/imputed.vcf.gz.tbi",
    log:
        "logs/impute_concat.log",
    benchmark:
        "benchmarks/impute_concat.tsv"
    threads: 1
    resources:
        mem_mb=200,
    conda:
        "../envs/bcftools.yaml"
    shell:
        "(bcftools concat -Oz -o {output.vcf} {input} && bcftools index -t {output.vcf}) 2> {log}"
