"""A think tank fetches a deliberation's consensus record and plots per-group support.

    pip install requests pandas matplotlib        # matplotlib is optional
    export COMMONGROUND_URL=http://127.0.0.1:5000
    export COMMONGROUND_TOKEN=cg_...              # flask --app app tokens create EMAIL --scope read
    python docs/examples/think_tank.py ai-action-plan

What it does:

1. downloads ``record.zip`` (a Frictionless Data Package) with a bearer token — a read-only
   token suffices; a public deliberation needs none;
2. checks every CSV against the SHA-256 its ``datapackage.json`` records;
3. loads the tables with ``pandas.read_csv`` as they are;
4. prints, for each motion, its outcome and each stakeholder group's agreement r_g, and the
   posts every group supports most (group-informed consensus);
5. plots per-group support of every motion with matplotlib (``support.png``), if installed.

For the full checks (audit hash chain, cross-references with the audit events) run
``flask --app app records verify record.zip`` where Common Ground is installed.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import zipfile

import pandas
import requests


def fetch_record(base_url: str, slug: str, token: str | None) -> zipfile.ZipFile:
    """Download the deliberation's record.zip."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(
        f"{base_url}/api/v1/deliberations/{slug}/record.zip", headers=headers, timeout=600
    )
    if response.status_code != 200:
        error = response.json().get("error", {})
        sys.exit(f"{response.status_code}: {error.get('message', response.text[:200])}")
    return zipfile.ZipFile(io.BytesIO(response.content))


def load_tables(archive: zipfile.ZipFile) -> tuple[dict, dict[str, pandas.DataFrame]]:
    """The descriptor and every table, each file checked against its recorded SHA-256."""
    package = json.loads(archive.read("datapackage.json"))
    tables = {}
    for resource in package["resources"]:
        data = archive.read(resource["path"])
        if resource["hash"] != "sha256:" + hashlib.sha256(data).hexdigest():
            sys.exit(f"{resource['path']} does not match its recorded SHA-256")
        tables[resource["name"]] = pandas.read_csv(io.BytesIO(data))
    return package, tables


def summarise(package: dict, tables: dict[str, pandas.DataFrame]) -> pandas.DataFrame:
    """Print outcomes and per-group agreement; return the agreement table (motion × group)."""
    deliberation = tables["deliberation"].iloc[0]
    print(f"{deliberation['title']} ({deliberation['status']}, {deliberation['scheme']} scheme)")
    print(f"audit chain: {deliberation['audit_events']} events, head {deliberation['audit_head']}")
    motions = tables["motions"].set_index("id")
    tallies = tables["tallies"]
    agreement = tallies.pivot(index="motion", columns="group", values="agreement_float")
    for motion_id, motion in motions.iterrows():
        if pandas.isna(motion["outcome"]):
            continue
        print(f"\nMotion {motion_id}: {motion['text'][:70]}")
        print(
            f"  {motion['outcome']}, support {motion['support']} "
            f"({motion['support_float']:.1%}), secret ballot: {motion['secret']}"
        )
        if motion_id in agreement.index:
            for group, value in agreement.loc[motion_id].items():
                shown = "no yes/no ballot" if pandas.isna(value) else f"{value:.0%}"
                print(f"    {group:<30} {shown}")

    reactions = tables["reactions"].merge(
        tables["posts"][["id", "item", "group", "body"]], left_on="post", right_on="id"
    )
    top = reactions.sort_values("group_informed_consensus_float", ascending=False).head(5)
    print("\nStatements every group supports most:")
    for _, post in top.iterrows():
        print(
            f"  [{post['group_informed_consensus_float']:.3f}] item {post['item']}, "
            f"post {post['post']}: {str(post['body'])[:70]}"
        )
    return agreement


def plot(agreement: pandas.DataFrame, path: str) -> None:
    """Per-group support (r_g) of every motion, as grouped bars."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(matplotlib is not installed: no chart)")
        return
    if agreement.empty:
        print("\n(no motion has a result yet: no chart)")
        return
    axes = agreement.plot.bar(figsize=(10, 5), ylim=(0, 1), rot=0)
    axes.set_xlabel("motion")
    axes.set_ylabel("agreement r_g (yes / (yes + no + block), by weight)")
    axes.axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
    axes.set_title("Support by stakeholder group")
    plt.tight_layout()
    plt.savefig(path)
    print(f"\nchart written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slug", help="the deliberation's slug, e.g. ai-action-plan")
    parser.add_argument(
        "--url", default=os.environ.get("COMMONGROUND_URL", "http://127.0.0.1:5000")
    )
    parser.add_argument("--token", default=os.environ.get("COMMONGROUND_TOKEN"))
    parser.add_argument("--chart", default="support.png")
    args = parser.parse_args()
    archive = fetch_record(args.url.rstrip("/"), args.slug, args.token)
    package, tables = load_tables(archive)
    agreement = summarise(package, tables)
    plot(agreement, args.chart)


if __name__ == "__main__":
    main()
