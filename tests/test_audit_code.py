"""`mldebt audit --code` (issue 14, defect 7): score comparisons however named, file coupling between
modules, magic numbers in decisions, no cliffs, and every skipped file named with why.

The planted-debt repository below is small and real-shaped: two scripts that share four artifact
files, 13 magic numbers (2 score thresholds, 7 other cut-offs, 4 hyper-parameters), a file saved
with a UTF-8 BOM and one with a latin-1 coding cookie. Its refactored twin passes the data in one
function and reads its numbers from one config.
"""

import json

from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.codescan import merge_code_facts, scan_directory, scan_sources
from mldebt_lessons.audit.system import System
from mldebt_lessons.cli import main

PREPARE = """\
import pickle

import numpy as np
import pandas as pd

RAW = "data/raw_orders.csv"


def prepare():
    df = pd.read_csv(RAW)
    df = df[df["amount"] > 1000]
    if len(df) < 500:
        raise SystemExit("too few rows")
    df["band"] = np.where(df["age"] > 65, "senior", "adult")
    df.to_csv("work/features.csv")
    df[["id"]].to_parquet("work/ids.parquet")
    with open("work/encoder.pkl", "wb") as f:
        pickle.dump({"band": ["senior", "adult"]}, f)
    np.save("work/matrix.npy", df.to_numpy())
"""

TRAIN = """\
import pickle

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


def train():
    df = pd.read_csv("work/features.csv")
    ids = pd.read_parquet("work/ids.parquet")
    with open("work/encoder.pkl", "rb") as f:
        encoder = pickle.load(f)
    X = np.load("work/matrix.npy")
    linear = LogisticRegression(C=0.3, max_iter=200).fit(X, df["label"])
    forest = RandomForestClassifier(n_estimators=300, max_depth=6).fit(X, df["label"])
    joblib.dump((linear, forest, encoder, ids), "model.joblib")
"""

SCORE = """\
import joblib


def flag(df, model):
    df["score"] = model.predict_proba(df)[:, 1]
    return df[df["score"] > 0.63]


def decide(model, X):
    p = model.predict_proba(X)[:, 1]
    if p > 0.63:
        return "review"
    return "ok"
"""

RULES = """\
def risky(amount, days):
    if days > 30:
        return amount >= 2500
    return False
"""

LEGACY = """\
# -*- coding: latin-1 -*-
# R\xe8gles h\xe9rit\xe9es de l'ancien syst\xe8me
def too_old(age):
    return age > 75


def retry(n):
    while n < 5:
        n += 1
    return n
"""

PLANTED = {"prepare.py": PREPARE.encode(), "train.py": TRAIN.encode(), "score.py": SCORE.encode(),
           "rules.py": b"\xef\xbb\xbf" + RULES.encode(), "legacy.py": LEGACY.encode("latin-1")}
SHARED = ["work/features.csv", "work/ids.parquet", "work/encoder.pkl", "work/matrix.npy"]
MAGIC_LINES = {("prepare.py", 11), ("prepare.py", 12), ("prepare.py", 14), ("score.py", 6), ("score.py", 11),
               ("rules.py", 2), ("rules.py", 3), ("legacy.py", 4), ("legacy.py", 8),
               ("train.py", 16), ("train.py", 17)}  # train.py holds 2 hyper-parameters on each line

# The same repository, paid down: one function passes the data on, the numbers live in one config.
REFACTORED = {
    "config.py": b"""\
SETTINGS = {"min_amount": 1000, "min_rows": 500, "senior_age": 65, "review_at": 0.63,
            "linear": {"C": 0.3, "max_iter": 200}, "forest": {"n_estimators": 300, "max_depth": 6},
            "long_wait": 30, "big_amount": 2500, "too_old": 75, "retries": 5}
""",
    "pipeline.py": b"""\
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from config import SETTINGS


def prepare(df):
    df = df[df["amount"] > SETTINGS["min_amount"]]
    if len(df) < SETTINGS["min_rows"]:
        raise SystemExit("too few rows")
    df["band"] = np.where(df["age"] > SETTINGS["senior_age"], "senior", "adult")
    return df


def train(df):
    X = df.to_numpy()
    linear = LogisticRegression(**SETTINGS["linear"]).fit(X, df["label"])
    forest = RandomForestClassifier(**SETTINGS["forest"]).fit(X, df["label"])
    return linear, forest


def run():
    return train(prepare(pd.read_csv("data/raw_orders.csv")))
""",
    "score.py": b"""\
from config import SETTINGS


def flag(df, model):
    df["score"] = model.predict_proba(df)[:, 1]
    return df[df["score"] > SETTINGS["review_at"]]


def decide(model, X):
    p = model.predict_proba(X)[:, 1]
    return "review" if p > SETTINGS["review_at"] else "ok"
""",
    "rules.py": b"""\
from config import SETTINGS


def risky(amount, days):
    if days > SETTINGS["long_wait"]:
        return amount >= SETTINGS["big_amount"]
    return False


def too_old(age):
    return age > SETTINGS["too_old"]


def retry(n):
    while n < SETTINGS["retries"]:
        n += 1
    return n
""",
}


def write_repo(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def audit_json(capsys, folder):
    assert main(["audit", "--code", str(folder), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def code_findings(facts):
    """The findings of an audit of code alone, ranked."""
    system = System("code")
    system.code = facts
    return audit_system(system).findings


def total_score(findings):
    return round(sum(f["score"] if isinstance(f, dict) else f.score for f in findings), 1)


def thresholds_of(source, name="m.py"):
    return [t["how"] for t in scan_sources([(name, source)])["thresholds"]]


def decisions_of(source, name="m.py"):
    return [d["value"] for d in scan_sources([(name, source)])["decisions"]]


# --- the planted repository, through the command ----------------------------------------------------------

def test_the_planted_repository_shows_its_shared_files_magic_numbers_and_score_thresholds(capsys, tmp_path):
    data = audit_json(capsys, write_repo(tmp_path / "planted", PLANTED))
    assert data["system"]["inputs"] == [f"code in {tmp_path / 'planted'} (5 Python files parsed, never run)"]
    found = {f["pattern"]: f for f in data["findings"]}
    jungle = found["pipeline_jungle"]["evidence"]
    assert "4 files are written by one module and read by another" in jungle
    for name, written, read in zip(SHARED, (15, 16, 17, 19), (11, 12, 13, 15)):
        assert f"{name} (written prepare.py line {written}, read train.py line {read})" in jungle
    thresholds = found["fixed_threshold"]["evidence"]
    assert "2 hard-coded thresholds" in thresholds
    assert "df['score'] > 0.63 (score.py line 6)" in thresholds and "p > 0.63 (score.py line 11)" in thresholds
    config = found["configuration_debt"]["evidence"]
    assert "4 hyper-parameters typed into calls" in config and "7 magic numbers deciding" in config
    assert "C=0.3 (train.py line 16)" in config and "max_depth=6 (train.py line 17)" in config
    everything = thresholds + config
    assert all(f"({file} line {line})" in everything for file, line in MAGIC_LINES)  # 2 + 7 + 4 = 13 numbers


def test_the_refactored_repository_scores_lower_than_the_original(capsys, tmp_path):
    planted = audit_json(capsys, write_repo(tmp_path / "planted", PLANTED))["findings"]
    refactored = audit_json(capsys, write_repo(tmp_path / "refactored", REFACTORED))["findings"]
    assert total_score(refactored) < total_score(planted)
    assert len(refactored) < len(planted)
    assert {f["pattern"] for f in refactored} <= {"glue_code"}  # no shared files, thresholds or numbers left


# --- score comparisons however named or indexed ---------------------------------------------------------------

def test_score_comparisons_are_found_however_the_score_is_named_or_indexed():
    found = thresholds_of("""\
import numpy as np
t_const = 0.66
THRESHOLD = 0.9
def f(df, p, row, scores, model, X, t):
    a = df["score"] > 0.63
    b = p > 0.63
    out = model.predict_proba(X)
    c = out[:, 1] >= 0.5
    d = model.predict_proba(X)[:, 1] > 0.4
    e = row.score < 0.2
    g = np.where(scores > 0.7, 1, 0)
    h = 0.63 < p
    margin = model.decision_function(X)
    first = margin[0]
    i = first > 0.3
    df["churn"] = model.predict(X)
    j = df["churn"] > 0.55
    k = 0.2 < row["risk"] < 0.8
    m = np.mean(churnProb) > 0.45
    n = model.predict_proba(X)[:, 1] > t_const
    o = p > THRESHOLD  # reported once, where THRESHOLD is set
""")
    assert found == ["THRESHOLD = 0.9", "df['score'] > 0.63", "p > 0.63", "out[:, 1] >= 0.5",
                     "model.predict_proba(X)[:, 1] > 0.4",
                     "row.score < 0.2", "scores > 0.7", "0.63 < p", "first > 0.3", "df['churn'] > 0.55",
                     "0.2 < row['risk'] < 0.8", "0.2 < row['risk'] < 0.8", "np.mean(churnProb) > 0.45",
                     "model.predict_proba(X)[:, 1] > t_const (t_const = 0.66)"]


def test_counters_lengths_and_sizes_are_not_scores():
    source = """\
def f(x, scores, args, problem_count, df):
    for i in range(20):
        if i < 10:
            pass
    for epoch in range(100):
        if epoch > 5:
            break
    a = len(x) > 3
    b = len(scores) > 3
    c = scores.shape[0] > 50
    d = args.epochs >= 30
    e = problem_count > 4
    g = df["age"] > 65
    h = scores > 0  # a sign check, not a cut-off
    auc = roc_auc_score(df["label"], scores)  # a quality metric of the model, not a score it decides on
    k = auc > 0.8
    m = abs(scores - x) < 1e-9  # a float tolerance
    got = measure(scores)  # any function of scores is not a score by assignment
    n = got > 0.9
"""
    assert thresholds_of(source) == []
    assert decisions_of(source) == [10, 5, 3, 3, 50, 30, 4, 65, 0.8, 0.9]  # still magic numbers in decisions


# --- magic numbers in decisions -----------------------------------------------------------------------------

def test_magic_numbers_in_decisions_and_the_numbers_left_out():
    source = """\
import numpy as np
LIMIT = 300
def f(amount, n, items, argv, status, x):
    if amount > 1000:
        pass
    while n < 7:
        n += 1
    label = "big" if amount >= 250 else "small"
    flags = np.where(x > 3.5, 1, 0)
    keep = [i for i in items if i > 12]
    if len(items) > 0 or n > 1 or x < -1 or len(argv) > 2:  # emptiness, sign, index, pair: not cut-offs
        pass
    if status == 404 or n == 3:  # a category, not a cut-off
        pass
    if amount > LIMIT or 3 > 2:  # a named constant; two numbers decide nothing
        pass
    assert amount < 99999  # a check, not a decision
    return amount > 40
"""
    assert decisions_of(source) == [1000, 7, 250, 3.5, 12, 40]
    assert decisions_of(source, name="tests/test_rules.py") == []  # tests pick numbers to test with
    assert decisions_of(source, name="rules_test.py") == []


# --- file coupling ------------------------------------------------------------------------------------------

def test_an_artifact_written_in_one_module_and_read_in_another_is_shared_with_both_lines():
    facts = scan_sources([
        ("make.py", """\
import joblib
import numpy as np
from pathlib import Path
OUT = Path("work") / "model.joblib"
TABLE = "work/table.feather"
def make(df, model, arr):
    joblib.dump(model, OUT)
    np.save("work/arr.npy", arr)
    df.to_feather(TABLE)
    Path("work/meta.json").write_text("{}")
    df.to_csv("work/tmp.csv")
    back = pd.read_csv("work/tmp.csv")  # read back in the same module: intermediate, not shared
"""),
        ("use.py", """\
import joblib
import numpy as np
import pandas as pd
import spacy
nlp = spacy.load("en_core_web_sm")  # a model name, not a file
def use():
    model = joblib.load("work/model.joblib")
    arr = np.load("./work/arr.npy")
    table = load_table("work/table.feather")  # an unknown reader: the path is still named here
    return model, arr, table
"""),
    ])
    shared = {s["name"]: (s["writer"]["file"], s["writer"]["line"], s["reader"]["file"], s["reader"]["line"])
              for s in facts["shared_artifacts"]}
    assert shared == {"work/model.joblib": ("make.py", 7, "use.py", 7), "work/arr.npy": ("make.py", 8, "use.py", 8),
                      "work/table.feather": ("make.py", 9, "use.py", 9)}
    names = {d["name"] for d in facts["datasets"]}
    assert "en_core_web_sm" not in names and "work/meta.json" in names
    [finding] = [f for f in code_findings(facts) if f.pattern == "pipeline_jungle"]
    assert "3 files are written by one module and read by another" in finding.evidence
    assert "1 intermediate file is written and read back (work/tmp.csv)" in finding.evidence


def test_files_shared_between_two_code_folders_are_found_by_the_command(capsys, tmp_path):
    write_repo(tmp_path / "etl", {"prep.py": b"def prep(df):\n    df.to_parquet('/data/clean.parquet')\n"})
    write_repo(tmp_path / "ml", {"train.py": b"import pandas as pd\ndf = pd.read_parquet('/data/clean.parquet')\n"})
    assert main(["audit", "--code", str(tmp_path / "etl"), "--code", str(tmp_path / "ml"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [jungle] = [f for f in data["findings"] if f["pattern"] == "pipeline_jungle"]
    assert "/data/clean.parquet (written prep.py line 2, read train.py line 2)" in jungle["evidence"]
    assert jungle["severity"] == 1  # one shared file: a low finding, never none


def test_merge_code_facts_adds_every_key_up():
    a = scan_sources([("a.py", "if x > 5:\n    pass\n")], where="a")
    b = scan_sources([("b.py", "if y > 6:\n    pass\n"), ("c.py", "def (:\n")], where="b")
    both = merge_code_facts(merge_code_facts(None, a, "a"), b, "b")
    assert both["files"] == 2 and both["where"] == "a, b" and both["languages"] == {"python": 3}
    assert [d["value"] for d in both["decisions"]] == [5, 6] and [s["file"] for s in both["skipped"]] == ["c.py"]
    assert a["files"] == 1 and len(a["decisions"]) == 1  # the first folder's facts are not changed in place


def test_a_shared_file_no_manifest_declares_is_also_a_static_analysis_gap():
    from audit_helpers import clean_manifest, system_of
    system = system_of(clean_manifest())
    system.code = scan_sources([("a.py", "df.to_csv('work/x.csv')\n"),
                                ("b.py", "import pandas as pd\npd.read_csv('work/x.csv')\n")], system)
    gaps = [f for f in audit_system(system).findings if f.pattern == "static_analysis_gap"]
    assert any("work/x.csv (a.py line 1 -> b.py line 2)" in f.evidence for f in gaps)


# --- encodings and skipped files ------------------------------------------------------------------------------

def test_a_bom_or_a_coding_cookie_is_read_as_python_reads_it(tmp_path):
    write_repo(tmp_path, {"bom.py": b"\xef\xbb\xbfif days > 30:\n    pass\n",
                          "cookie.py": b"# -*- coding: latin-1 -*-\nname = 'Ren\xe9'\nif age > 75:\n    pass\n",
                          "bom_and_cookie.py": b"\xef\xbb\xbf# coding: utf-8\nif n > 9:\n    pass\n"})
    facts = scan_directory(tmp_path)
    assert facts["files"] == 3 and facts["skipped"] == []
    assert sorted(d["value"] for d in facts["decisions"]) == [9, 30, 75]
    assert scan_sources([("s.py", "\ufeffif x > 4:\n    pass\n")])["decisions"][0]["value"] == 4  # decoded already


def test_every_skipped_file_is_named_with_why(tmp_path, capsys, monkeypatch):
    from mldebt_lessons.audit import codescan
    write_repo(tmp_path, {"ok.py": b"x = 1\n", "broken.py": b"x = 1\ndef (:\n", "bytes.py": b"x = '\xff\xfe'\n",
                          "cookie.py": b"# -*- coding: no-such-codec -*-\nx = 1\n",
                          "latin.py": b"# coding: ascii\nx = '\xe9'\n", "big.py": b"x = 1\n" * 50})
    monkeypatch.setattr(codescan, "MAX_FILE_BYTES", 100)
    facts = scan_directory(tmp_path)
    reasons = {s["file"]: s["reason"] for s in facts["skipped"]}
    assert reasons["broken.py"].startswith("syntax error at line 2: ")
    assert reasons["bytes.py"] == "not decodable as UTF-8 (byte 0xff at offset 5)"
    assert reasons["cookie.py"].startswith("not decodable: ") and "no-such-codec" in reasons["cookie.py"]
    assert reasons["latin.py"] == "not decodable as ascii (byte 0xe9 at offset 21)"
    assert reasons["big.py"] == "larger than 100 bytes"
    assert facts["files"] == 1 and len(reasons) == 5
    assert codescan.describe_skipped(facts["skipped"], limit=2).endswith("; and 3 more")
    line = codescan.describe_code_input(tmp_path, facts)  # for the report's list of what it read
    assert "(1 Python files parsed, never run; 5 skipped: big.py (larger than 100 bytes); broken.py (syntax" in line
    # the command still reads the rest, and says how many it skipped
    assert main(["audit", "--code", str(tmp_path), "--format", "json"]) == 0
    assert "5 skipped" in json.loads(capsys.readouterr().out)["system"]["inputs"][0]


# --- no cliffs ----------------------------------------------------------------------------------------------

def repo_with(shared=0, hyper=0, decisions=0, thresholds=0):
    """A small repository with the given numbers of each debt, and nothing else."""
    writer = ("def write(df):\n" + "".join(f"    df.to_csv('work/f{i}.csv')\n" for i in range(shared))
              + "    return df\n")
    reader = ("import pandas as pd\n\ndef read():\n"
              + "".join(f"    f{i} = pd.read_csv('work/f{i}.csv')\n" for i in range(shared)) + "    return None\n")
    train = ("from sklearn.linear_model import Ridge\n\ndef train(X, y):\n"
             + "".join(f"    m{i} = Ridge(alpha={i + 3}.5).fit(X, y)\n" for i in range(hyper)) + "    return X\n")
    rules = ("def rules(amount, p):\n" + "".join(f"    a{i} = amount > {100 + i}\n" for i in range(decisions))
             + "".join(f"    s{i} = p > 0.{50 + i}\n" for i in range(thresholds)) + "    return amount\n")
    return [("write.py", writer), ("read.py", reader), ("train.py", train), ("rules.py", rules)]


def scores_by_pattern(files):
    out = {}
    for f in code_findings(scan_sources(files)):
        out[f.pattern] = out.get(f.pattern, 0) + f.score
    return out


def test_each_debt_gives_a_finding_from_one_instance_and_grows_with_the_count():
    for kind, pattern in (("shared", "pipeline_jungle"), ("hyper", "configuration_debt"),
                          ("decisions", "configuration_debt"), ("thresholds", "fixed_threshold")):
        scores = [scores_by_pattern(repo_with(**{kind: n})).get(pattern, 0) for n in range(0, 21)]
        assert scores[0] == 0 and all(s > 0 for s in scores[1:]), (kind, scores)
        assert scores == sorted(scores) and scores[-1] > scores[1], (kind, scores)


def test_one_more_planted_debt_never_scores_lower():
    base = dict(shared=2, hyper=3, decisions=4, thresholds=1)
    before = scores_by_pattern(repo_with(**base))
    for kind in base:
        after = scores_by_pattern(repo_with(**{**base, kind: base[kind] + 1}))
        assert sum(after.values()) >= sum(before.values()), kind
        assert all(after.get(p, 0) >= s for p, s in before.items()), (kind, before, after)


def test_glue_grows_with_its_lines_and_a_tiny_repository_is_a_low_finding():
    tiny = scan_sources([("a.py", "import pandas as pd\ndf = pd.read_csv('x.csv')\n")])
    [glue] = [f for f in code_findings(tiny) if f.pattern == "glue_code"]
    assert glue.level == "low" and glue.severity <= 2
    severities = []
    for glue_lines in (3, 5, 20, 80, 300, 3000):  # 2 ML lines
        source = "from sklearn.linear_model import Ridge\nm = Ridge()\n" + "".join(f"x{i} = {i}\n"
                                                                              for i in range(glue_lines))
        found = [f.severity for f in code_findings(scan_sources([("g.py", source)])) if f.pattern == "glue_code"]
        severities.append(found[0] if found else 0)
    assert all(s >= 1 for s in severities) and severities == sorted(severities) and severities[-1] > severities[0]
    mostly_ml = "from sklearn.linear_model import Ridge\n" + "".join(f"m{i} = Ridge()\n" for i in range(20)) + "x = 1\n"
    assert not [f for f in code_findings(scan_sources([("m.py", mostly_ml)])) if f.pattern == "glue_code"]


def test_the_planted_repository_with_one_more_debt_of_each_kind_never_scores_lower():
    def score_of(files):
        return total_score(code_findings(scan_sources(list(files.items()))))
    base = score_of(PLANTED)
    more = {"magic number": {"extra.py": b"def late(days):\n    return days > 45\n"},
            "score threshold": {"extra.py": b"def hot(p):\n    return p > 0.91\n"},
            # typed into a call already there: a new file of ML calls would also shrink the glue share, by design
            "hyper-parameter": {"train.py": TRAIN.replace("max_depth=6", "max_depth=6, min_samples_leaf=5").encode()},
            "shared file": {"extra.py": b"def out(df):\n    df.to_csv('work/extra.csv')\n",
                            "extra_reader.py": b"import pandas as pd\nx = pd.read_csv('work/extra.csv')\n"}}
    for what, files in more.items():
        assert score_of({**PLANTED, **files}) >= base, what
