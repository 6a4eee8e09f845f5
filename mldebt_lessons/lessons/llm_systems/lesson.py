"""Lesson 18: ML debt in LLM systems (Sculley et al. 2015, §2-§8)."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.answers import is_number, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at
from mldebt_lessons.shop.assistant.graph import assistant_graph

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
HALF = 0.5
LONG_RUN = 60  # generations the collapse exercise asks about (the demo shows 30)


# -- 18.1: half the index re-embedded, no map ---------------------------------------------------------

def _half_recall(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.llm_systems.experiment import backfill_recall
    return backfill_recall(world_at(seed), HALF, False)


def _check_half(answer) -> Feedback:
    truth = _half_recall()
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give one share between 0 and 1: the recall@5 (0.8 means 80% of questions find their "
                               "article among the five nearest).")
    if within(answer, truth, 0.01):
        from mldebt_lessons.lessons.llm_systems.experiment import backfill_recall, recall
        world = world_at(OTHER_SEED)
        return Feedback(True, f"{truth:.1%}: questions find their article only when it was re-embedded; the same half "
                              f"with a Procrustes map gives {backfill_recall(world, HALF, True):.1%}, everything "
                              f"re-embedded {recall(world, 'v2', 'v2'):.1%}.")
    if within(answer, 100 * truth, 1):
        return Feedback(False, "that looks like points; give a share between 0 and 1.")
    return Feedback(False, f"{float(answer):.3f} is not the recall@5 with half the index re-embedded (no map) at seed "
                           f"{OTHER_SEED}.")


def _judge_half(prediction) -> str:
    return f"{you_guessed(prediction)}at seed {OTHER_SEED} it is {_half_recall():.1%}."


# -- 18.2: sixty generations ------------------------------------------------------------------------

def _long_variance(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.llm_systems.experiment import collapse
    return float(collapse(world_at(seed), "replace", LONG_RUN).variance[LONG_RUN])


def _check_long(answer) -> Feedback:
    truth = _long_variance()
    if not is_number(answer) or not 0 <= float(answer) <= 2:
        return Feedback(False, "give one number: the variance left after 60 generations over generation 0's "
                               "(1 means none lost).")
    if within(answer, truth, 0.005):
        from mldebt_lessons.lessons.llm_systems.experiment import collapse
        kept = float(collapse(world_at(OTHER_SEED), "accumulate", LONG_RUN).variance[LONG_RUN])
        return Feedback(True, f"{truth:.1%} of the variance is left after {LONG_RUN} generations of replacing, "
                              f"against {kept:.1%} when every generation also sees the real data and all earlier ones.")
    if within(answer, 1 - truth, 0.005):
        return Feedback(False, "that is the share lost; the question asks for the share left.")
    return Feedback(False, f"{float(answer):.3f} is not the variance left after {LONG_RUN} generations at seed "
                           f"{OTHER_SEED}.")


def _judge_long(prediction) -> str:
    return f"{you_guessed(prediction)}at seed {OTHER_SEED}, {_long_variance():.1%} is left after {LONG_RUN} generations."


# -- 18.3: a lenient parser that is safe ----------------------------------------------------------

def _parse_cases():
    """(where, reply, the confidence it means or None when it is ambiguous) at three seeds."""
    import json

    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.llm_systems.experiment import assistant_run
    for seed in SEEDS[:3]:
        world = world_at(seed)
        v1, v2 = assistant_run(world, release="v1"), assistant_run(world, release="v2")
        for i in range(0, len(v1.replies), 7):
            yield f"seed {seed}, release v1, reply {i}", v1.replies[i], float(v1.confidence[i]), True
            yield f"seed {seed}, release v1 in a fence, reply {i}", f"```json\n{v1.replies[i]}\n```", \
                float(v1.confidence[i]), True
            yield f"seed {seed}, release v2, reply {i}", v2.replies[i], float(v1.confidence[i]), False
    yield "a refusal", "Sorry, I cannot help with that.", None, False
    yield "a missing field", json.dumps({"article_id": 3, "answer": "x"}), None, False
    for bad in (1.5, -0.2, "0.8"):  # outside the contract: a parser that rescales or converts is guessing
        yield f"a confidence of {bad!r}", json.dumps({"article_id": 3, "answer": "x", "confidence": bad}), None, False


def _check_safe_parser(answer) -> Feedback:
    from mldebt_lessons.shop.assistant.hosted import lenient_parse, strict_parse
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking one reply (a string).")
    if answer in (lenient_parse, strict_parse):
        return Feedback(False, "that is one of the demo's two parsers; write your own `safe_parse`.")
    read_v1 = read_wrong = 0
    for where, reply, meant, must_read in _parse_cases():
        try:
            got = answer(reply)
            confidence = float(got["confidence"])
        except Exception:
            if must_read:
                return Feedback(False, f"it raised on {where}, a reply in the contract (a fence is fine): read it.")
            continue
        if meant is None or not np.isclose(confidence, meant, atol=1e-9):
            read_wrong += 1
            if read_wrong == 1:
                first = (f"on {where} it returned confidence {confidence:g}"
                         + (f"; the model meant {meant:g}" if meant is not None else "; it should raise"))
        elif must_read:
            read_v1 += 1
    if read_wrong:
        return Feedback(False, f"it read {read_wrong} replies wrong without raising: {first}. A safe parser raises "
                               "rather than guess.")
    return Feedback(True, f"at three seeds it read all {read_v1} replies in the contract (fenced or not) and never "
                          "mis-read a release-v2 reply, a refusal, a missing field or a confidence outside [0, 1]: a "
                          "reply it cannot read safely goes to a person instead of being guessed at.")


def _reference_safe_parse(reply: str) -> dict:
    """The parser exercise 18.3 asks for (the same as its solution)."""
    import json
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON in the reply")
    data = json.loads(reply[start:end + 1])
    confidence = data["confidence"]
    if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        raise ValueError(f"confidence {confidence!r} outside [0, 1]")
    return {"article_id": int(data["article_id"]), "answer": str(data["answer"]), "confidence": float(confidence)}


def _judge_safe_parser(prediction) -> str:
    from mldebt_lessons.lessons.llm_systems.experiment import parse_outcome
    world = world_at(OTHER_SEED)
    safe = parse_outcome(world, "v2", parse=_reference_safe_parse)
    v1 = parse_outcome(world, "v1")
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED} a safe parser sends {safe.escalated:.0%} of release v2's "
            f"answers to a person (release v1: {v1.escalated:.0%}): loud, and so noticed the same day.")


# -- 18.4: re-tune the pass mark ------------------------------------------------------------------

def _threshold_cases():
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.llm_systems.experiment import assistant_run, labelled_rows, scores
    for seed in SEEDS[:3]:
        world = world_at(seed)
        rows = labelled_rows(world)
        for judge in ("v1", "v2"):
            yield f"seed {seed}, judge {judge}", scores(world, judge)[rows].copy(), assistant_run(world).resolved[rows]


def _agreement(scores, labels, mark) -> float:
    return float(((np.asarray(scores) >= mark) == np.asarray(labels, dtype=bool)).mean())


def _check_retune(answer) -> Feedback:
    from mldebt_lessons.shop.assistant.judge import best_threshold
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (scores, labels).")
    if answer is best_threshold:
        return Feedback(False, "that is the course's own `best_threshold`; write your own `retune`.")
    try:
        tiny = float(answer(np.array([3.0, 5.0, 6.0, 8.0]), np.array([False, False, True, True])))
    except Exception as error:
        return Feedback(False, f"on scores [3, 5, 6, 8] with labels [no, no, yes, yes] it raised "
                               f"{type(error).__name__}.")
    if not 5.0 < tiny <= 6.0:
        return Feedback(False, f"on scores [3, 5, 6, 8] with labels [no, no, yes, yes] the mark should pass 6 and 8 "
                               f"only (above 5, at most 6); it gave {tiny:g}.")
    for where, scores, labels in _threshold_cases():
        try:
            mark = float(answer(scores.copy(), labels.copy()))
        except Exception as error:
            return Feedback(False, f"it raised {type(error).__name__} on {where}.")
        best = _agreement(scores, labels, best_threshold(scores, labels))
        got = _agreement(scores, labels, mark)
        if not np.isfinite(mark) or got < best - 1e-12:
            return Feedback(False, f"on {where} its mark {mark:g} agrees with {got:.0%} of the labels; a mark that "
                                   f"agrees with {best:.0%} exists.")
    return Feedback(True, "at three seeds, for both judges, it finds a mark that agrees with the labelled answers as "
                          "well as any: re-run it whenever the judge changes, and the mark follows the judge.")


def _judge_retune(prediction) -> str:
    from mldebt_lessons.lessons.llm_systems.experiment import judge_outcome
    o = judge_outcome(world_at(OTHER_SEED))
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED} the mark moves from {o.threshold_v1:.1f} (judge v1) to "
            f"{o.threshold_v2:.1f} (judge v2).")


EXERCISES = (
    Exercise(
        "18.1", "Half backfilled, nothing mapped",
        f"In `world = build_world({OTHER_SEED})`, the search team has re-embedded half of the articles with v2 and "
        "left the other half as v1 vectors, with no alignment map; questions are embedded by v2. What is recall@5? "
        "`backfill_recall(world, share, aligned)` in `mldebt_lessons.lessons.llm_systems.experiment` measures it. "
        "Set `answer` to the share.",
        "answer = backfill_recall(world, 0.5, False)",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.llm_systems.experiment import backfill_recall\n"
        "world = build_world(42)\n"
        "answer = backfill_recall(world, 0.5, False)",
        _check_half,
        predict="Will half the index re-embedded give about half the full recall, more, or less? Give a share.",
        judge_prediction=_judge_half,
    ),
    Exercise(
        "18.2", "Sixty generations of replacing",
        f"In the world of seed {OTHER_SEED}, run the collapse chains for {LONG_RUN} generations of replacing: "
        f"`collapse(world, 'replace', {LONG_RUN})`. What share of generation 0's variance is left in generation "
        f"{LONG_RUN}? Set `answer` to `.variance[{LONG_RUN}]`.",
        f"c = collapse(world, 'replace', {LONG_RUN}); answer = c.variance[{LONG_RUN}]",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.llm_systems.experiment import collapse\n"
        "world = build_world(42)\n"
        f"answer = collapse(world, 'replace', {LONG_RUN}).variance[{LONG_RUN}]",
        _check_long,
        predict="After twice as many generations, will more or less than half of the variance be left? Give a share.",
        judge_prediction=_judge_long,
    ),
    Exercise(
        "18.3", "Write a lenient parser that is safe",
        "Write `safe_parse(reply)` for the support chat: `reply` is the hosted model's raw text. Return a dict with "
        "`article_id`, `answer` and `confidence` when the reply keeps the contract (JSON with those three fields and "
        "a confidence that is a number between 0 and 1), whether or not it comes inside a Markdown code fence. Raise "
        "an exception for anything else (a confidence outside [0, 1] or given as text, a missing field, no JSON): the chat escalates a "
        "reply it cannot read. Set `answer = safe_parse`; the checker feeds it releases v1 and v2 at three seeds.",
        "Strip a fence: take the text from the first '{' to the last '}'. json.loads it, read the three fields, and "
        "raise ValueError unless the confidence is a number with 0 <= confidence <= 1.",
        "import json\n"
        "def safe_parse(reply):\n"
        "    start, end = reply.find('{'), reply.rfind('}')\n"
        "    if start < 0 or end < start:\n"
        "        raise ValueError('no JSON in the reply')\n"
        "    data = json.loads(reply[start:end + 1])\n"
        "    confidence = data['confidence']\n"
        "    if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:\n"
        "        raise ValueError(f'confidence {confidence} outside [0, 1]')\n"
        "    return {'article_id': int(data['article_id']), 'answer': str(data['answer']),\n"
        "            'confidence': float(confidence)}\n"
        "answer = safe_parse",
        _check_safe_parser,
        predict=f"At seed {OTHER_SEED}, once your safe parser is in the chat, what share of release v2's answers will "
                "go to a person (a reply that raises is escalated)? Give a share.",
        judge_prediction=_judge_safe_parser,
    ),
    Exercise(
        "18.4", "Write the re-tuning of the pass mark",
        "Write `retune(scores, labels)`: a judge's scores (1 to 10) of a small set of answers, and a person's labels "
        "(True: the answer solves the problem). Return the pass mark (an answer passes when its score is at or above "
        "it) that agrees with the labels on as many answers as any mark can. Set `answer = retune`; the checker "
        "runs it on the 40 labelled answers under both judges at three seeds.",
        "Try every score as a mark (and one above the highest, which passes nothing); keep the one whose pass/fail "
        "matches the labels most often.",
        "import numpy as np\n"
        "def retune(scores, labels):\n"
        "    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)\n"
        "    marks = np.r_[np.unique(scores), scores.max() + 1]\n"
        "    agreement = [((scores >= m) == labels).mean() for m in marks]\n"
        "    return float(marks[int(np.argmax(agreement))])\n"
        "answer = retune",
        _check_retune,
        predict=f"At seed {OTHER_SEED}, will judge v2's re-tuned mark be higher or lower than judge v1's? Give a mark "
                "(1 to 10).",
        judge_prediction=_judge_retune,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


def _quiz():
    return (
        _q("The search team ships embedder v2, with vectors of the same length as v1's, and forgets the index. "
           "What happens to the assistant's retrieval?", [
            ("An error is raised at query time, so the team notices at once.", False,
             "Nothing raises: the vectors have the same shape, and a dot product of two spaces is still a number. "
             "Recall@5 falls by more than 50 points in 20 of 20 worlds."),
            ("It quietly reads the wrong article for most questions.", True,
             "Right: an embedding is a coordinate system; queries and index must share it. Recall@5 falls by more "
             "than 50 points in 20 of 20 worlds, and nothing raises."),
            ("It gets a little worse, as with any model upgrade.", False,
             "It is not a small drift: the coordinates mean something else. Recall@5 falls by more than 50 points "
             "in 20 of 20 worlds."),
        ], measured=True),
        _q("The vendor's new release fences some answers and reports confidence out of 100. Which parser is the "
           "most dangerous?", [
            ("The strict one, because it raises on many replies.", False,
             "Raising is loud: someone notices and a person answers. It also mis-reads the unfenced replies "
             "silently, but the lenient one escalates nothing at all, and says nothing."),
            ("The lenient one, because it never raises.", True,
             "Right: it reads 83 as a confidence and escalates nothing: every escalation is lost "
             "in 20 of 20 worlds, and no error says so."),
            ("Neither: a confidence is a confidence, whatever its scale.", False,
             "The chat compares it with a mark set on a 0-1 scale; on a 0-100 scale nothing is ever below it."),
        ], measured=True),
        _q("A contract test passes a prompt edit that cuts answers to 12 words. What does that tell you?", [
            ("That the edit is safe to ship to every one of the customers.", False,
             "A contract test checks the form (JSON, fields, ranges), not whether the answer helps; the edit keeps "
             "the form and drops the steps of how-to answers."),
            ("That the replies keep their form; not that they help.", True,
             "Right: the labelled evaluation on the same golden questions sees fewer of them resolved "
             "in 20 of 20 worlds."),
            ("That the judge's pass rate will not move either.", False,
             "The judge scores length too: its pass rate falls even for answers the edit did not change in substance "
             "(in 20 of 20 worlds)."),
        ]),
        _q("The judge's vendor ships judge v2; your assistant did not change, but the pass rate jumps. What do you "
           "do with the pass mark?", [
            ("Keep it: the mark is part of the spec that the whole team agreed on.", False,
             "The mark stands for 'solves the problem' on one judge's scale; on another judge's scale the same "
             "number means something else."),
            ("Re-tune it on a small labelled set scored by the new judge.", True,
             "Right: the labels are the fixed point, the mark is learned from them; re-tuned, the pass rate comes "
             "back near the true share of resolved answers."),
            ("Average the two judges' scores and keep the old mark.", False,
             "An average of two scales is a third scale; the old mark was tuned on none of them."),
        ]),
        _q("Why do the tails of the basket distribution vanish before the variance does, when a model is refitted on "
           "its own samples?", [
            ("The model was built to ignore rare values, so they get dropped.", False,
             "Nothing in the fit ignores them; they are simply rarely drawn, and a value never drawn is never "
             "learned again."),
            ("Rare values are the first to go missing from a finite sample.", True,
             "Right: each generation sees only what the last one drew; a shrinking spread cuts the tail mass far "
             "faster than the variance."),
            ("The real data had no tails to begin with, so none are lost.", False,
             "The real basket values have a tail; the fitted model at generation 0 puts mass above the real 99th "
             "percentile."),
        ]),
        _q("What keeps a model's variance when later generations train on generated data?", [
            ("Replacing the data with a larger generated sample each round.", False,
             "More samples slow the shrinking but do not stop it: each round still forgets the real data."),
            ("Fitting on a smaller, cleaner set of generated samples.", False,
             "Fewer samples lose the tails faster, however clean."),
            ("Keeping the real data and adding generated data to it.", True,
             "Right: accumulating, not replacing (Gerstgrasser et al. 2024); the real data anchors every "
             "generation."),
        ]),
    )


QUIZ = _quiz()


LESSON = Lesson(
    id="18",
    slug="llm_systems",
    title="ML Debt in LLM Systems: Prompts, Embeddings, Hosted Models and Judges",
    paper_section="§2-§8",
    patterns=(),
    objectives=(
        "Measure an embedding upgrade as CACE for retrieval, and what a full re-embedding and a partial backfill "
        "with an alignment map each win back.",
        "Treat a hosted model as an unstable data dependency: measure how a format change breaks a strict parser "
        "loudly and a lenient one silently, and catch it with a contract test.",
        "Recognise a judge's pass mark as a fixed threshold and re-tune it on labelled answers.",
        "Measure model collapse over generations, and what accumulating real data keeps.",
        "Treat a prompt edit as a configuration change: follow its ripple and say which check before release "
        "catches it.",
    ),
    minutes=50,
    prerequisites=("01_entanglement_cace.ipynb", "15_fixed_thresholds.ipynb", "what an embedding is"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain how the debts of 'Hidden Technical Debt in Machine Learning Systems' (CACE, "
        "unstable data dependencies, fixed thresholds, feedback loops, configuration debt) show up in systems built "
        "on large language models: embeddings, hosted models, LLM judges, prompts, and models trained on generated "
        "data.",
        "Walk me through why querying an index built with one embedding model using another model's embeddings "
        "fails silently, how an orthogonal Procrustes map fitted on a partial backfill helps, and how that compares "
        "with the other mechanisms I measured (a hosted model's format change, a judge's new release, a prompt edit).",
        "Given my LLM system (described below), audit it for ML debt: list every prompt, embedding model and index, "
        "hosted model and version pin, judge and its pass marks, parser of model output, and any training on "
        "generated data. For each, say what changes under me without my code changing, who reads its output, which "
        "check (contract test, labelled evaluation, re-tuned mark, re-embedding plan) would catch it before "
        "release, and how to measure it; then prioritise what to pay down first.",
    ),
    key_points=(
        "An embedding is a coordinate system: an index and its queries must come from the same embedder; an "
        "upgrade is a change to every vector at once (CACE), and it fails silently.",
        "A partial backfill plus an orthogonal Procrustes map fitted on the re-embedded articles wins back most of "
        "the recall; re-embedding everything brings it back to about the old level.",
        "A hosted model changes under you: parse its output strictly against a contract, raise rather than guess, "
        "and run a contract test on golden questions before every release.",
        "A judge's pass mark is a fixed threshold on one judge's scale; keep a small labelled set and re-tune the "
        "mark whenever the judge changes.",
        "Judges have biases (length, position); a prompt edit that changes length moves the judge's verdict even "
        "where the answers did not get better or worse.",
        "A model refitted on its own output loses its tails first, then its variance; keep the real data and "
        "accumulate.",
        "A prompt is configuration: review it, version it, and evaluate it on labelled examples before release; a "
        "contract test checks the form, not the help.",
    ),
    focus_nodes=("embedder", "hosted_model", "judge", "assistant_prompt"),
    focus_graph=assistant_graph,  # Larkspur's graph with the support assistant added
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015.",
        "I. Shumailov, Z. Shumaylov, Y. Zhao, N. Papernot, R. Anderson and Y. Gal, 'AI models collapse when trained "
        "on recursively generated data', Nature 631:755-759, 2024.",
        "M. Gerstgrasser et al., 'Is Model Collapse Inevitable? Breaking the Curse of Recursion by Accumulating Real "
        "and Synthetic Data', arXiv:2404.01413, 2024.",
        "L. Zheng et al., 'Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena', NeurIPS 2023 Datasets and "
        "Benchmarks (position and verbosity biases of LLM judges).",
        "P. H. Schönemann, 'A generalized solution of the orthogonal Procrustes problem', Psychometrika 31:1-10, "
        "1966.",
    ),
)
