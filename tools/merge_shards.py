"""The shards of a CI matrix: record what one shard ran, and merge every shard's results into one run's.

    python tools/merge_shards.py record SHARD_DIR --shard I/N --status S --seed SEED --targets "T..."
                                        [--timings FILE] [--features "PATH..."]
    python tools/merge_shards.py merge SHARDS_DIR --results DIR --junit DIR --rerun DIR [--aborted-mark FILE]
                                       [--timings FILE] [--targets-out FILE]

``make report SHARD=I/N`` runs shard I of N of the suite into ``reports/shards/I-of-N/`` (Allure results labelled
with their target, host and ``thread``, JUnit per target, rerun lists, the feature times it measured) and then
``record`` writes ``shard.json`` there: the shard, its exit status, the seed, the targets, the host, and the whole
split (tools/shards.py ``machine_shards``) with its digest.

``make merge-report`` (each shard's folder copied into ``reports/shards/``, e.g. a CI job's artifacts) runs
``merge``, which

- checks the shards are one complete split: all of 1..N present once, the same N, split digest, seed and targets
  (shards given different timing files would split differently, and a feature could run twice or never); each
  problem is printed and becomes a global error of the report;
- copies every shard's Allure results into ``--results`` (a global error every shard reported alike kept once),
  JUnit into ``--junit/TARGET/`` (shards never share a feature file, so never a JUnit file), rerun lists onto
  ``--rerun/TARGET.txt``, and touches ``--aborted-mark`` when a shard's run was aborted;
- lays the shards' measured feature times over ``--timings`` (keep that file in the CI cache for the next split);
- exits 0 when the split is complete and every shard passed, 1 otherwise, 2 when there is nothing to merge.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402
import shards  # noqa: E402

MANIFEST = "shard.json"


def record(folder: Path, shard: str, status: int, seed: str, targets: list[str], timings: Path | None,
           features: list[str]) -> dict:
    index, count = shards.parse_shard(shard)
    split = shards.machine_shards(shards.discover(features), shards.read_timings(timings), count)
    manifest = {
        "shard": f"{index}/{count}", "index": index, "count": count, "status": status, "seed": seed,
        "targets": targets, "host": socket.gethostname(), "aborted": (folder / ".run-aborted").exists(),
        "split_digest": shards.plan_digest(split), "features": [u.path for u in split[index - 1]],
        "split": [[u.path for u in part] for part in split],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def read_manifests(shards_dir: Path) -> list[tuple[Path, dict]]:
    found = []
    for path in sorted(shards_dir.glob(f"*/{MANIFEST}")):
        try:
            found.append((path.parent, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as error:
            print(f"warning: {path} unreadable ({error}): that shard is left out", file=sys.stderr)
    return found


def check_split(manifests: list[dict]) -> list[str]:
    """What keeps the shards from being one complete split of the suite, in words (empty: nothing)."""
    problems = []
    for key, what in (("count", "number of shards"), ("split_digest", "split of the feature files"),
                      ("seed", "seed"), ("targets", "targets")):
        values = {json.dumps(m.get(key)) for m in manifests}
        if len(values) > 1:
            detail = ", ".join(f"{m['shard']}: {m.get(key)}" for m in manifests)
            hint = (" (give every shard the same timing file, or none)" if key == "split_digest" else "")
            problems.append(f"the shards disagree on the {what}: {detail}{hint}")
    count = max(int(m.get("count", 0)) for m in manifests)
    seen: dict[int, int] = {}
    for m in manifests:
        seen[int(m["index"])] = seen.get(int(m["index"]), 0) + 1
    split = manifests[0].get("split") or []
    for index in range(1, count + 1):
        if index not in seen:
            missing = split[index - 1] if index - 1 < len(split) else []
            problems.append(f"shard {index}/{count} is missing: its {len(missing)} feature files are not in this "
                            f"report ({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''})")
        elif seen[index] > 1:
            problems.append(f"shard {index}/{count} came {seen[index]} times: its results would count twice")
    return problems


def copy_results(source: Path, results: Path, seen_errors: set[str]) -> None:
    results.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*")):
        if not path.is_file():
            continue
        if path.name.endswith("-globals.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            messages = {e.get("message", "") for e in data.get("errors", [])}
            if messages and messages <= seen_errors and not data.get("attachments"):
                continue
            seen_errors.update(messages)
        if path.name in ("environment.properties", "executor.json", "categories.json"):
            continue  # the merged report writes its own
        shutil.copy2(path, results / path.name)


def copy_tree(source: Path, destination: Path) -> None:
    for path in sorted(source.rglob("*.xml")):
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            print(f"warning: {target} came from two shards (the later one kept)", file=sys.stderr)
        shutil.copy2(path, target)


def merge(shards_dir: Path, results: Path, junit: Path, rerun: Path, aborted_mark: Path | None,
          timings: Path | None, targets_out: Path | None) -> int:
    found = read_manifests(shards_dir)
    if not found:
        print(f"error: no shard results under {shards_dir}/ (each shard's reports/shards/I-of-N/ folder, with its "
              f"{MANIFEST}, goes there before the merge)", file=sys.stderr)
        return 2
    manifests = [m for _folder, m in found]
    problems = check_split(manifests)
    seen_errors: set[str] = set()
    measured = []
    targets: list[str] = []
    failed = []
    for folder, manifest in sorted(found, key=lambda item: int(item[1]["index"])):
        copy_results(folder / "allure-results", results, seen_errors)
        copy_tree(folder / "junit", junit)
        for lines in sorted((folder / "rerun").glob("*.txt")):
            rerun.mkdir(parents=True, exist_ok=True)
            with open(rerun / lines.name, "a", encoding="utf-8") as out:
                out.write(lines.read_text(encoding="utf-8"))
        if manifest.get("aborted") and aborted_mark is not None:
            aborted_mark.parent.mkdir(parents=True, exist_ok=True)
            aborted_mark.touch()
        measured.append(shards.read_timings(folder / "feature-times.json"))
        targets += [t for t in manifest.get("targets", []) if t not in targets]
        status = int(manifest.get("status", 1))
        if status:
            failed.append(manifest["shard"])
        print(f"shard {manifest['shard']} on {manifest.get('host', '?')}: {len(manifest.get('features', []))} "
              f"feature files, targets {' '.join(manifest.get('targets', []))}, exit status {status}"
              + (" (aborted)" if manifest.get("aborted") else ""))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
        allure_files.write_global_error(results, f"merging the shards: {problem}")
    if timings is not None and any(measured):
        shards.write_timings(timings, shards.merged_timings(shards.read_timings(timings), *measured))
    if targets_out is not None:
        targets_out.parent.mkdir(parents=True, exist_ok=True)
        targets_out.write_text(" ".join(targets) + "\n", encoding="utf-8")
    if failed:
        print(f"shards that failed: {', '.join(failed)} (their failures are in the report)", file=sys.stderr)
    return 1 if problems or failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="write shard.json into a shard's folder")
    rec.add_argument("folder", type=Path)
    rec.add_argument("--shard", required=True)
    rec.add_argument("--status", type=int, required=True)
    rec.add_argument("--seed", default="")
    rec.add_argument("--targets", default="inprocess")
    rec.add_argument("--timings", type=Path, default=None)
    rec.add_argument("--features", default="")
    mer = commands.add_parser("merge", help="merge every shard's folder into one run's results")
    mer.add_argument("shards_dir", type=Path)
    mer.add_argument("--results", type=Path, required=True)
    mer.add_argument("--junit", type=Path, required=True)
    mer.add_argument("--rerun", type=Path, required=True)
    mer.add_argument("--aborted-mark", type=Path, default=None)
    mer.add_argument("--timings", type=Path, default=None)
    mer.add_argument("--targets-out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "record":
        try:
            manifest = record(args.folder, args.shard, args.status, args.seed, args.targets.split(), args.timings,
                              shlex.split(args.features))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"shard {manifest['shard']}: {len(manifest['features'])} feature files, exit status {args.status}; "
              f"its results are in {args.folder}/ (merge the shards with `make merge-report`)")
        return 0
    return merge(args.shards_dir, args.results, args.junit, args.rerun, args.aborted_mark, args.timings,
                 args.targets_out)


if __name__ == "__main__":
    sys.exit(main())
