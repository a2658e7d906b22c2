# Shared helpers: paths from the configuration, wildcard constraints.
import os


wildcard_constraints:
    sample="[^/]+",
    chrom="[^/]+",


def repo_path(p):
    """A configured path: absolute as given, else relative to the repository (config["repo"])."""
    return p if os.path.isabs(p) else os.path.join(os.path.abspath(config.get("repo", ".")), p)


def emtk_binary():
    return repo_path(config["emtk"])


def cov_bam(wildcards):
    return repo_path(config["cov"]["samples"][wildcards.sample])


# The files `emtk cov -o PREFIX` writes from a BAM/CRAM (a --depth-bed run writes no mosdepth files).
COV_BAM_OUTPUTS = (".windows.bed.gz", ".windows.bed.gz.tbi", ".segments.bed", ".json", ".svg",
                   ".mosdepth.summary.txt", ".mosdepth.global.dist.txt", ".mosdepth.region.dist.txt")
COV_DEPTH_BED_OUTPUTS = (".windows.bed.gz", ".windows.bed.gz.tbi", ".segments.bed", ".json", ".svg")


def cov_prefix(windows_path):
    """PREFIX of `emtk cov -o PREFIX` from its PREFIX.windows.bed.gz (the first declared output)."""
    suffix = COV_BAM_OUTPUTS[0]
    assert windows_path.endswith(suffix), windows_path
    return windows_path[: -len(suffix)]
