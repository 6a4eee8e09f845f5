"""The `mldebt` command: audit a system for hidden technical debt, trace a ripple, list lessons, print prompts.

    mldebt audit [INPUT ...] [--code DIR] [--answers FILE] [--format text|markdown|json|prompt]
                 [--output FILE] [--graph FILE.svg|FILE.png] [--fail-on LEVEL] [--top N]
    mldebt ripple NODE [INPUT ...]
    mldebt lessons [--format text|json]
    mldebt claims [LESSON ...] [--seeds N] [--format text|json] [--save]
    mldebt prompt LESSON [--quiz] [--results TEXT]
    mldebt workshop TOKENS_FILE [--format text|markdown]
    mldebt example
    mldebt handouts [OUT_DIR]

With no input, each works on the course's toy world. Exit status: 0 audited, 1 findings at or
above ``--fail-on`` (for ``claims``: a headline claim fails in some world), 2 bad input or usage.
A bad input gives one line on standard error, never a traceback (set MLDEBT_DEBUG=1 to see one
for a suspected bug).

Example
-------
>>> main(["lessons"])  # doctest: +ELLIPSIS
01  §2 ... min  Entanglement...
0
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

from .errors import CourseInputError

FORMATS = ("text", "markdown", "json", "prompt")
HANDOUTS_DIR = "build/handouts"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mldebt", description="Audit an ML or LLM system for the anti-patterns of 'Hidden "
                     "Technical Debt in Machine Learning Systems' (Sculley et al., NeurIPS 2015), and learn "
                     "them in the mldebt-lessons course. With no input file, every command works on the "
                     "course's toy world, Larkspur.",
                     epilog="Exit status: 0 audited; 1 findings at or above --fail-on; 2 bad input or usage.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def inputs(p):
        p.add_argument("inputs", nargs="*", metavar="INPUT",
                       help="a system manifest (.yaml/.yml/.json), OpenLineage events (.json/.jsonl) or a dbt "
                            "manifest.json; the kind is recognised from the content")
        p.add_argument("--manifest", action="append", default=[], metavar="FILE", help="a system manifest")
        p.add_argument("--lineage", action="append", default=[], metavar="FILE",
                       help="OpenLineage events: run, job or dataset events (.json, or .jsonl read line by line): "
                            "observed reads and writes")
        p.add_argument("--dbt", action="append", default=[], metavar="FILE", help="a dbt manifest.json")
        p.add_argument("--code", action="append", default=[], metavar="DIR",
                       help="a folder of Python code, parsed with ast (never imported or run)")
        p.add_argument("--toy", action="store_true", help="include the toy world (the default with no input)")

    audit = sub.add_parser("audit", help="find and rank the hidden technical debt of a system",
                           description="Find the hidden-technical-debt anti-patterns in a system and rank them: "
                                       "which to pay down first. Inputs combine in one run.",
                           epilog="Exit status: 0 audited; 1 findings at or above --fail-on; 2 bad input or usage.")
    inputs(audit)
    audit.add_argument("--answers", metavar="FILE", help="ML Test Score answers (YAML or JSON: data_1: automated, ...)")
    audit.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default), markdown, json, or prompt (a paste-ready AI-tutor prompt)")
    audit.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of the terminal")
    audit.add_argument("--graph", metavar="FILE", help="draw the system with its hot spots (.svg or .png)")
    audit.add_argument("--fail-on", choices=("low", "medium", "high", "critical"), metavar="LEVEL",
                       help="exit 1 if any finding is at LEVEL or above (low, medium, high, critical); for CI")
    audit.add_argument("--top", type=int, default=10, metavar="N", help="explain the first N findings (default 10)")

    ripple = sub.add_parser("ripple", help="what a change to one node reaches",
                            description="Say what a change to NODE reaches downstream, nearest first.")
    ripple.add_argument("node", metavar="NODE", help="a node id, e.g. user_age")
    inputs(ripple)

    lessons = sub.add_parser("lessons", help="list the course's lessons", description="List the lessons, in course "
                             "order: the course map, generated from the lesson registry.")
    lessons.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")

    claims = sub.add_parser("claims", help="measure the lessons' claims across many worlds",
                            description="Measure every claim of the named lessons (all by default) in N worlds "
                                        "(seeds from a fixed list that starts with 2015) and say at how many each "
                                        "holds.",
                            epilog="Exit status: 0 every headline claim holds in every world; 1 one does not; "
                                   "2 bad usage.")
    claims.add_argument("lessons", nargs="*", metavar="LESSON", help="a lesson id (01) or slug; default: all")
    claims.add_argument("--seeds", type=int, default=20, metavar="N", help="how many worlds (1 to 20; default 20)")
    claims.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    claims.add_argument("--save", action="store_true",
                        help="also write each lesson's results to claims.json in its folder, for its notebook")

    prompt = sub.add_parser("prompt", help="print a lesson's paste-ready AI-tutor prompt",
                            description="Print a lesson's paste-ready AI-tutor prompt.")
    prompt.add_argument("lesson", metavar="LESSON", help="a lesson id (01) or slug (entanglement_cace)")
    prompt.add_argument("--results", default="", help="your own measured results, to include")
    prompt.add_argument("--quiz", action="store_true",
                        help="print the lesson's quiz-me prompt instead: the tutor asks the questions one at a time")

    workshop = sub.add_parser("workshop", help="where a workshop's room is stuck, from the learners' progress tokens",
                              description="Read the progress tokens learners pasted (progress() prints them; chat "
                                          "names and times around them are ignored) and print, per lesson, how many "
                                          "tried and got right each exercise and quiz question, and where the room "
                                          "is stuck. Nothing leaves this machine.",
                              epilog="Exit status: 0 a table printed (unreadable tokens are counted on standard "
                                     "error); 2 no readable token, or bad usage.")
    workshop.add_argument("tokens_file", metavar="TOKENS_FILE",
                          help="a text file of pasted tokens; - for standard input")
    workshop.add_argument("--format", choices=("text", "markdown"), default="text", help="text (default) or markdown")

    sub.add_parser("example", help="print the toy world's manifest (YAML), a starting point for your own",
                   description="Print the toy world's manifest as YAML: a full example to copy and edit.")

    handouts = sub.add_parser("handouts", help="write a printable one-page handout per lesson (HTML)",
                              description="Write one printable HTML handout per lesson (its graph, key points and "
                                          "three tutor prompts), an all-in-one page and an index, into OUT_DIR.")
    handouts.add_argument("out_dir", nargs="?", default=HANDOUTS_DIR, metavar="OUT_DIR",
                          help=f"the folder to write into, created if missing (default: {HANDOUTS_DIR})")
    return parser


def _classify(path: str):
    """(kind, parsed JSON or None): 'manifest', 'lineage' or 'dbt', by name and by content.

    A JSON file is parsed here once, and the parsed data is reused to load it; a JSON list of
    OpenLineage events is read here, one event at a time, and its folded log returned instead.
    """
    from .audit.safeload import decode_text, parse_json, read_bytes
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "manifest", None
    if suffix == ".jsonl":
        return "lineage", None
    from .audit.dbt import is_dbt
    from .audit.openlineage import is_event_list, is_lineage, lineage_from_text
    text = decode_text(read_bytes(path), path)
    if is_event_list(text):  # folded one event at a time: the whole list is never in memory
        return "lineage", lineage_from_text(text, path)
    data = parse_json(text, path)
    del text
    if is_dbt(data):
        return "dbt", data
    if is_lineage(data):
        return "lineage", data
    return "manifest", data


def load_inputs(args):
    """Every input of a command, combined into one System."""
    from .audit.codescan import describe_code_input, merge_code_facts, scan_directory
    from .audit.dbt import dbt_from_data, load_dbt
    from .audit.manifest import load_manifest, manifest_from_data
    from .audit.openlineage import LineageLog, add_lineage, read_lineage
    from .audit.toy import toy_system

    # (path, parsed JSON or None) for each kind; files named by their flag are read by their loader.
    manifests = [(p, None) for p in args.manifest]
    lineage, dbt = [(p, None) for p in args.lineage], [(p, None) for p in args.dbt]
    for path in args.inputs:
        kind, data = _classify(path)
        if kind == "lineage" and data is not None and not isinstance(data, LineageLog):
            data = read_lineage(path, data)  # folded now: its parsed JSON is not kept beside the next file's
        {"manifest": manifests, "lineage": lineage, "dbt": dbt}[kind].append((path, data))
    anything = manifests or lineage or dbt or args.code
    system = toy_system(measure=args.command == "audit") if args.toy or not anything else None
    for path, data in manifests:
        system = load_manifest(path, system) if data is None else manifest_from_data(data, path, {}, system)
    for path, data in dbt:
        system = load_dbt(path, system) if data is None else dbt_from_data(data, path, system)
    if lineage:  # .jsonl streamed; all files added together, so a name seen in two namespaces is known
        system = add_lineage([read_lineage(path) if log is None else log for path, log in lineage], system)
    if system is None:
        from .audit.system import System
        system = System(Path(args.code[0]).resolve().name or "code")
    for folder in args.code:
        facts = scan_directory(folder, system)
        system.code = merge_code_facts(system.code, facts, folder)  # several folders: added up
        system.inputs.append(describe_code_input(folder, facts))
    return system


def cmd_audit(args) -> int:
    from .audit import audit_system
    from .audit.mltestscore import check_answers
    from .audit.ranking import at_or_above
    from .audit.report import (
        audit_tutor_prompt,
        json_report_pieces,
        markdown_report,
        text_report,
        write_report,
    )
    from .audit.safeload import load_file

    if args.top < 0:
        raise _UsageError("mldebt audit: --top must be 0 or more (see mldebt audit --help)")
    if args.graph and Path(args.graph).suffix.lower() not in (".svg", ".png"):
        raise _UsageError(f"mldebt audit: --graph {args.graph}: expected a file name ending in .svg or .png")
    system = load_inputs(args)
    if args.answers:
        data, _, name = load_file(args.answers)
        if isinstance(data, dict) and "ml_test_score" in data and len(data) == 1:
            data = data["ml_test_score"]
        check_answers(data, name)
        system.answers = {**(system.answers or {}), **data}
    result = audit_system(system)
    if args.format == "json":  # written a piece at a time: a large audit's JSON is never all in memory
        pieces = itertools.chain(json_report_pieces(result), ["\n"])
    else:
        render = {"text": lambda r: text_report(r, top=args.top), "markdown": lambda r: markdown_report(r, top=args.top),
                  "prompt": audit_tutor_prompt}[args.format]
        text = render(result)
        pieces = [text if text.endswith("\n") else text + "\n"]
    if args.graph:
        from .audit.picture import save_picture
        save_picture(result, args.graph)
    if args.output:
        write_report(pieces, args.output)
    else:
        sys.stdout.writelines(pieces)
    if args.fail_on and at_or_above(result.findings, args.fail_on):
        n = len(at_or_above(result.findings, args.fail_on))
        print(f"mldebt audit: {n} finding{'s' if n != 1 else ''} at or above {args.fail_on}", file=sys.stderr)
        return 1
    return 0


def cmd_ripple(args) -> int:
    from mldebt_lessons.shop.graph import ripple, ripple_summary

    from .audit.system import to_graph
    system = load_inputs(args)
    if not system.nodes:
        raise CourseInputError("the inputs name no nodes to follow: give ripple a manifest, OpenLineage events "
                               "(--lineage) or a dbt manifest (--dbt); code alone (--code) declares no nodes")
    if args.node not in system.nodes:
        from .errors import unknown_choice
        if len(system.nodes) <= 40:
            raise unknown_choice("node", args.node, sorted(system.nodes))
        import difflib
        close = difflib.get_close_matches(args.node, list(system.nodes)[:20000], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise CourseInputError(f"unknown node {args.node!r}{hint}; expected one of the system's "
                               f"{len(system.nodes):,} node ids")
    g = to_graph(system)
    print(ripple_summary(g, args.node))
    for r in ripple(g, args.node):
        print(f"  {r.distance} hop{'s' if r.distance > 1 else ' '}  {r.kind:<9} {r.node}")
    return 0


def cmd_lessons(args) -> int:
    import json

    from mldebt_lessons.lessons import course_map
    lessons = course_map()
    if args.format == "json":
        print(json.dumps({"lessons": lessons}, indent=1, ensure_ascii=False))
        return 0
    for lesson in lessons:
        print(f"{lesson['id']}  {lesson['section']:<5} {lesson['minutes']:>3} min  {lesson['title']}  "
              f"({lesson['notebook']}; patterns: {', '.join(lesson['patterns']) or 'all of them'})")
    return 0


def cmd_claims(args) -> int:
    import json

    from mldebt_lessons.course.claims import SEEDS, claims_text, measure_claims, save_results
    from mldebt_lessons.lessons import CLAIMS, get_lesson, lesson_folder
    if not 1 <= args.seeds <= len(SEEDS):
        raise _UsageError(f"mldebt claims: --seeds takes a whole number from 1 to {len(SEEDS)}, not {args.seeds}")
    ids = [get_lesson(key).id for key in args.lessons] or list(CLAIMS)
    results = measure_claims({i: CLAIMS[i] for i in dict.fromkeys(ids)}, seeds=SEEDS[:args.seeds])
    if args.save:
        for i in dict.fromkeys(ids):
            save_results([r for r in results if r.lesson == i], lesson_folder(i) / "claims.json")
    if args.format == "json":
        print(json.dumps([r.as_dict() for r in results], indent=1, ensure_ascii=False))
    else:
        print(claims_text(results))
        failed = [r for r in results if not r.ok]
        print(f"\n{len(results)} claims in {args.seeds} worlds: "
              + (f"{len(failed)} headline claim(s) fail somewhere." if failed else "every headline claim holds in all."))
    return 0 if all(r.ok for r in results) else 1


def cmd_prompt(args) -> int:
    from mldebt_lessons.course.tutor import quiz_prompt, tutor_prompt
    from mldebt_lessons.lessons import get_lesson, saved_claims
    lesson = get_lesson(args.lesson)
    if args.quiz:
        print(quiz_prompt(lesson))
    else:
        print(tutor_prompt(lesson, results=args.results, claims=saved_claims(lesson.id)))
    return 0


def cmd_workshop(args) -> int:
    from mldebt_lessons.course.workshop import workshop_report
    from mldebt_lessons.lessons import LESSONS
    table, left_out = workshop_report(args.tokens_file, LESSONS, markdown=args.format == "markdown")
    print(table)
    if left_out:
        print(f"mldebt workshop: {left_out}", file=sys.stderr)
    return 0


def cmd_handouts(args) -> int:
    from mldebt_lessons.lessons.handouts import INDEX_FILE, write_handouts
    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        raise CourseInputError(f"{args.out_dir} is a file, not a folder; give a folder to write the handouts into "
                               "(it is created if missing)")
    try:
        written = write_handouts(out)
    except OSError as err:
        raise CourseInputError(f"cannot write into {args.out_dir} ({err.strerror or type(err).__name__}); give a "
                               "folder you can write to") from None
    print(f"wrote {len(written)} pages to {out}: open {out / INDEX_FILE} in a browser and print")
    return 0


def cmd_example(args) -> int:
    import yaml

    from .audit.toy import toy_manifest
    print("# The toy world's manifest, generated from the library's specs. Copy it and describe your own system.")
    print("# Schema: mldebt_lessons/audit/manifest.schema.json")
    print(yaml.safe_dump(toy_manifest(), sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


COMMANDS = {"audit": cmd_audit, "ripple": cmd_ripple, "lessons": cmd_lessons, "claims": cmd_claims,
            "prompt": cmd_prompt, "example": cmd_example, "workshop": cmd_workshop,
            "handouts": cmd_handouts}


def main(argv=None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        from .audit import gc_paused
        with gc_paused():  # many small objects, no cycles: the collector only slows a large audit down
            return COMMANDS[args.command](args)
    except _UsageError as err:
        print(str(err), file=sys.stderr)
        return 2
    except CourseInputError as err:
        print(f"mldebt {args.command}: {err}", file=sys.stderr)
        return 2
    except (RecursionError, MemoryError) as err:
        print(f"mldebt: the input is too large or too deeply nested to read ({type(err).__name__})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mldebt: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("MLDEBT_DEBUG"):
            raise
        print(f"mldebt: internal error ({type(err).__name__}: {' '.join(str(err).split())[:200]}); please report "
              "it, and set MLDEBT_DEBUG=1 to see the traceback", file=sys.stderr)
        return 2


def run() -> None:
    """Entry point for ``python -m mldebt_lessons``."""
    sys.exit(main())
