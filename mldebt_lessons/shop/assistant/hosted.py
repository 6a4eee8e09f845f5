"""The assistant's prompt templates and a simulated hosted model whose output format changes between releases.

The hosted model is a deterministic stand-in for a model behind someone else's API: given a customer
question, the article the index found and the prompt, it writes a JSON reply with the article it used,
the answer and a confidence. Release ``v1`` writes bare JSON with a confidence between 0 and 1.
Release ``v2`` (nobody at Larkspur changed anything) puts answers that have steps in a Markdown code
fence and reports its confidence on a 0-100 scale. The shop's support chat escalates an answer to a
person when its confidence is below a mark set for release v1.

>>> reply = hosted_reply(7, "returns answer", 0.42, steps=False, release="v1")
>>> strict_parse(reply)["confidence"]
0.42
>>> lenient_parse(hosted_reply(7, "returns answer", 0.42, steps=True, release="v2"))["confidence"]
42
"""

from __future__ import annotations

import json
import re

RELEASES = ("v1", "v2")

PROMPTS = {
    "v1": "You are Larkspur's support assistant. Answer the customer's question from the article below. "
          "Reply as JSON with article_id, answer and confidence.",
    "short": "You are Larkspur's support assistant. Answer the customer's question from the article below "
             "in at most 12 words. Reply as JSON with article_id, answer and confidence.",
}
SHORT_WORDS = 12  # the edited prompt's word limit


class ParseError(ValueError):
    """The reply is not what the parser accepts."""


def answer_text(topic: str, product: str, how_to: bool, prompt: str = "v1") -> str:
    """What the hosted model says, from the article (a template); the edited prompt cuts it short."""
    text = f"For your {product}, our {topic} guide says what to do."
    if how_to:
        text += (f"\n1. Open your {topic} page.\n2. Follow the steps for the {product}.\n"
                 "3. Confirm, and keep the email we send you.")
    else:
        text += f" You will find the details and any exceptions for the {product} on the {topic} page."
    if prompt == "short":
        text = " ".join(text.split()[:SHORT_WORDS])
    return text


def has_steps(text: str) -> bool:
    return "\n1." in text


def hosted_reply(article_id: int, answer: str, confidence: float, steps: bool, release: str) -> str:
    """The hosted model's raw reply, in the format of ``release``."""
    if release == "v1":
        return json.dumps({"article_id": int(article_id), "answer": answer, "confidence": round(confidence, 2)})
    body = json.dumps({"confidence": int(round(100 * confidence)), "article_id": int(article_id), "answer": answer},
                      indent=1)
    return f"```json\n{body}\n```" if steps else body


def strict_parse(reply: str) -> dict:
    """What the support chat shipped with: ``json.loads`` and three fields; raises ParseError otherwise."""
    try:
        data = json.loads(reply)
        return {"article_id": int(data["article_id"]), "answer": str(data["answer"]),
                "confidence": data["confidence"]}
    except (ValueError, KeyError, TypeError) as error:
        raise ParseError(f"not the reply format: {type(error).__name__}") from error


def lenient_parse(reply: str) -> dict:
    """A parser that never fails on a fence: it reads from the first ``{`` to the last ``}``."""
    match = re.search(r"\{.*\}", reply, flags=re.S)
    return strict_parse(match.group(0) if match else reply)


def contract_violations(reply: str) -> list[str]:
    """What a contract test says of one reply: every way it breaks the contract the chat relies on (empty: keeps it).

    The contract: bare JSON (no fence), the three fields, an integer article id, a confidence in [0, 1].
    """
    try:
        data = json.loads(reply)
    except ValueError:
        return ["not bare JSON"]
    problems = [f"missing {key}" for key in ("article_id", "answer", "confidence") if key not in data]
    if not problems:
        if not isinstance(data["article_id"], int):
            problems.append("article_id not an integer")
        confidence = data["confidence"]
        if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
            problems.append("confidence outside [0, 1]")
    return problems
