"""Tests for counting ML code and glue code by parsing source."""

import doctest
import textwrap

import pytest

import mldebt_lessons.course.codecount as codecount
from mldebt_lessons.course.codecount import (
    CodeShare,
    code_share_text,
    count_files,
    count_source,
)
from mldebt_lessons.errors import CourseInputError


def count(source: str, **kwargs) -> CodeShare:
    return count_source(textwrap.dedent(source), **kwargs)


def test_doctests_pass():
    results = doctest.testmod(codecount)
    assert results.attempted > 0
    assert results.failed == 0


def test_imports_count_as_ml_lines_and_other_imports_do_not():
    share = count("""
        import numpy as np
        import sklearn
        from sklearn.linear_model import Ridge
        from .data import SOURCES
    """)
    assert (share.ml_lines, share.other_lines, share.ml_calls) == (2, 2, ())


def test_aliased_import_is_followed_and_reported_by_its_library_name():
    share = count("""
        from sklearn.linear_model import LogisticRegression as LR
        import sklearn.ensemble as ens
        a = LR()
        b = ens.RandomForestClassifier()
        c = LogisticRegression()
    """)
    # The last line calls a name that was never imported from sklearn: glue, not ML.
    assert (share.ml_lines, share.other_lines) == (4, 1)
    assert share.ml_calls == ("LogisticRegression", "sklearn.ensemble.RandomForestClassifier")


def test_attribute_chains_from_a_plain_package_import():
    share = count("""
        import sklearn.linear_model
        model = sklearn.linear_model.Ridge(alpha=1.0)
        scores = model.predict([[1.0]])
    """)
    assert (share.ml_lines, share.other_lines) == (2, 1)
    assert share.ml_calls == ("sklearn.linear_model.Ridge",)


def test_blank_lines_comments_and_docstrings_are_not_code():
    share = count('''
        """Module docstring,
        over two lines."""

        # a comment
        from sklearn.svm import SVC  # a trailing comment does not change the line


        class Trainer:
            """Class docstring."""

            def make(self):
                """Function docstring."""
                # build the model
                return SVC()
    ''')
    # code: import, class line, def line, return line
    assert (share.ml_lines, share.other_lines) == (2, 2)


def test_multi_line_statements_count_every_physical_line():
    share = count("""
        from sklearn.pipeline import make_pipeline
        model = make_pipeline(
            "scaler",
            "classifier",
        )
        settings = dict(
            seed=0,
            n_users=1000,
        )
    """)
    assert (share.ml_lines, share.other_lines) == (5, 4)
    assert share.ml_calls == ("make_pipeline",)


def test_function_body_mixing_ml_and_glue_lines():
    share = count("""
        from sklearn.linear_model import Ridge
        from sklearn.metrics import mean_absolute_error

        def train_and_score(table, y):
            rows = [r for r in table if r is not None]
            if not rows:
                raise ValueError("no rows")
            model = Ridge(alpha=30.0)
            model.fit(rows, y)
            for row in rows:
                print(row)
            return mean_absolute_error(y, model.predict(rows))
    """)
    # ML: two imports, `model = Ridge(...)`, the return line.
    # Glue: def, rows =, if, raise, model.fit, for, print.
    assert (share.ml_lines, share.other_lines) == (4, 7)
    assert share.ml_calls == ("Ridge", "mean_absolute_error")


def test_compound_headers_count_by_their_own_expressions():
    share = count("""
        from sklearn.linear_model import Ridge

        def fit(x=Ridge(),
                y=None):
            pass

        for model in [Ridge(), Ridge()]:
            pass
        else:
            pass
        try:
            pass
        except Exception:
            pass
    """)
    # ML: import, the two-line def header, the for header. Glue: 5 pass, else, try, except.
    assert (share.ml_lines, share.other_lines) == (4, 8)


def test_match_statement_header_is_its_subject_line():
    share = count("""
        from sklearn.linear_model import Ridge
        match Ridge().get_params():
            case {"alpha": 1.0}:
                print("default")
            case _:
                print("tuned")
    """)
    # ML: import, `match` line. Glue: two case lines, two prints.
    assert (share.ml_lines, share.other_lines) == (2, 4)


def test_other_ml_packages_can_be_chosen():
    source = "import torch\nimport sklearn\nnet = torch.nn.Linear(2, 1)\n"
    assert count_source(source, ml_packages=("torch",)) == CodeShare(2, 1, ("torch.nn.Linear",))
    assert count_source(source).ml_lines == 1


def test_empty_source():
    share = count_source("")
    assert share == CodeShare(0, 0, ())
    assert share.ml_share == 0.0


def test_syntax_error_is_one_line_naming_file_and_line():
    with pytest.raises(CourseInputError) as caught:
        count_source("x = 1\ndef broken(:\n    pass\n", filename="broken.py")
    message = str(caught.value)
    assert "\n" not in message
    assert "broken.py line 2" in message


def test_count_files_sums_and_names_the_broken_file(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("from sklearn.svm import SVC\nmodel = SVC()\nprint(model)\n", encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text("print('ok')\nif True\n", encoding="utf-8")
    assert count_files([good, good]) == CodeShare(4, 2, ("SVC",))
    with pytest.raises(CourseInputError, match=r"bad\.py line 2"):
        count_files([good, bad])


def test_unknown_module_is_a_course_error():
    with pytest.raises(CourseInputError, match="no_such_module"):
        codecount.count_package_modules(["mldebt_lessons.no_such_module"])


def test_toy_world_is_mostly_glue():
    share = codecount.toy_world_code_share()
    assert 0 < share.ml_lines < share.other_lines
    assert "LogisticRegression" in share.ml_calls
    assert list(share.ml_calls) == sorted(set(share.ml_calls))


def test_code_share_text_uses_the_computed_numbers():
    share = CodeShare(ml_lines=31, other_lines=381, ml_calls=tuple(f"f{i}" for i in range(8)))
    text = code_share_text(share)
    assert text.startswith("Of 412 lines of code in Larkspur's system, 31 (7.5%)")
    assert "(scikit-learn: f0, f1, f2, f3, f4, ...)" in text
    assert "the other 381 (92.5%)" in text
    assert "\n" not in text
