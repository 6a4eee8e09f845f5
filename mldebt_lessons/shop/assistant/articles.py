"""Larkspur's help articles, the questions customers ask, and two versions of a toy embedder.

Every article is one topic (returns, delivery, ...) for one product line, written from templates, and
says the month it was last updated. That line matters beyond realism: without it every world's articles
give one TF-IDF matrix of rank 19 with repeated singular values, and a 24-dimension LSA would keep
directions that no article defines, chosen by rounding, so recall would differ from one processor to
another. With it, the kept singular values are distinct and the space is the same on every machine (a
test checks the gaps in every claims world).
A customer question names the product and a few words about the topic, often in words the article
does not use (synonyms): a latent semantic analysis (LSA: TF-IDF, then TruncatedSVD) places both in one
small space, where the question's article should be among the nearest.

Embedder ``v1`` is fitted on the articles; ``v2`` (the upgrade) on the articles plus a log of customer
questions, with the same number of dimensions: the same shape of vector, a different space.

>>> from mldebt_lessons.shop.world import build_world
>>> corpus = help_corpus(build_world())
>>> len(corpus.articles), len(corpus.questions) == QUESTIONS_PER_ARTICLE * len(corpus.articles)
(96, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

ARTICLE_STREAM, LOG_STREAM = 180, 181
DIMENSIONS = 24
QUESTIONS_PER_ARTICLE = 3
LOGGED_QUESTIONS = 300
PRODUCT_NAMED = 0.7  # share of questions that name their product
K = 5  # recall@K: the assistant reads the K nearest articles
EMBEDDERS = ("v1", "v2")

# topic: (words an article uses, words customers use instead, is it a how-to with steps?)
TOPICS = {
    "returns": ("return refund label parcel window receipt", "send back money back unwanted", True),
    "delivery": ("delivery courier tracking dispatch arrival slot", "shipping late where arrive", False),
    "assembly": ("assembly screws instructions allen key panels", "build put together fitting", True),
    "care": ("care cleaning stain polish fabric wash", "clean dirty spill maintain", True),
    "warranty": ("warranty guarantee defect repair claim years", "broken faulty fix cover", False),
    "payment": ("payment card declined invoice instalments checkout", "pay charge billing failed", False),
    "discounts": ("discount code voucher promotion expired basket", "coupon sale offer promo", False),
    "account": ("account password login email reset profile", "sign in locked forgot username", True),
    "damaged": ("damaged scratched dented photo replacement report", "arrived broken cracked smashed", True),
    "stock": ("stock restock notify waiting list availability", "sold out back in when available", False),
    "sizing": ("dimensions size measure width height fit", "how big too large small space", False),
    "gifts": ("gift wrapping message card recipient note", "present wrap surprise birthday", False),
}
PRODUCT_LINES = ("oak dining table", "linen bedding", "ceramic lamp", "wool rug", "velvet sofa",
                 "glass vase", "walnut bookshelf", "cotton towels")
FILLER = "hello please help thanks question my order today need know quick".split()
MONTHS = "january february march april may june july august september october november december".split()


@dataclass(frozen=True)
class Article:
    id: int
    topic: str
    product: str
    text: str
    how_to: bool


@dataclass(frozen=True)
class Question:
    id: int
    article: int  # the article that answers it
    text: str


@dataclass(frozen=True)
class HelpCorpus:
    articles: tuple[Article, ...]
    questions: tuple[Question, ...]
    log: tuple[str, ...]  # logged customer questions the v2 embedder is also fitted on


def _article_text(rng, topic: str, product: str) -> str:
    words = TOPICS[topic][0].split()
    picked = rng.permutation(words)
    return (f"{product} {topic}. How {topic} works for your {product}: {' '.join(picked[:4])}. "
            f"See {picked[4]} and {picked[5]} for {product.split()[-1]} orders. Updated in {rng.choice(MONTHS)}.")


def _question_text(rng, topic: str, product: str) -> str:
    own, theirs = TOPICS[topic][0].split(), TOPICS[topic][1].split()
    words = [rng.choice(own)] + list(rng.choice(theirs, 2, replace=False)) + list(rng.choice(FILLER, 2, replace=False))
    if rng.random() < PRODUCT_NAMED:
        words.append(product.split()[-1])
    return " ".join(rng.permutation(words))


@functools.lru_cache(maxsize=32)
def _corpus(seed: int) -> HelpCorpus:
    rng = np.random.default_rng([seed, ARTICLE_STREAM])
    articles = tuple(Article(i, topic, product, _article_text(rng, topic, product), TOPICS[topic][2])
                     for i, (topic, product) in enumerate((t, p) for t in TOPICS for p in PRODUCT_LINES))
    questions = tuple(Question(len(articles) * k + a.id, a.id, _question_text(rng, a.topic, a.product))
                      for k in range(QUESTIONS_PER_ARTICLE) for a in articles)
    log_rng = np.random.default_rng([seed, LOG_STREAM])
    log = tuple(_question_text(log_rng, articles[i].topic, articles[i].product)
                for i in log_rng.integers(0, len(articles), LOGGED_QUESTIONS))
    return HelpCorpus(articles, questions, log)


def help_corpus(world) -> HelpCorpus:
    """The help articles, the customers' questions and the question log of ``world`` (cached)."""
    return _corpus(world.seed)


class Embedder:
    """LSA: TF-IDF, then a TruncatedSVD to ``DIMENSIONS`` dimensions, then unit length."""

    def __init__(self, version: str, texts, seed: int):
        self.version = version
        self.tfidf = TfidfVectorizer(sublinear_tf=True).fit(texts)
        self.svd = TruncatedSVD(DIMENSIONS, algorithm="arpack", random_state=seed).fit(self.tfidf.transform(texts))

    def embed(self, texts) -> np.ndarray:
        vectors = self.svd.transform(self.tfidf.transform(list(texts)))
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@functools.lru_cache(maxsize=32)
def _embedders(seed: int) -> dict[str, Embedder]:
    corpus = _corpus(seed)
    texts = [a.text for a in corpus.articles]
    return {"v1": Embedder("v1", texts, seed), "v2": Embedder("v2", texts + list(corpus.log), seed + 1)}


def embedder(world, version: str) -> Embedder:
    """The embedder of ``version`` ("v1" or "v2") in ``world`` (fitted once, cached)."""
    if version not in EMBEDDERS:
        from mldebt_lessons.errors import unknown_choice
        raise unknown_choice("embedder version", version, EMBEDDERS)
    return _embedders(world.seed)[version]


@functools.lru_cache(maxsize=64)
def _vectors(seed: int, version: str, what: str) -> np.ndarray:
    corpus, model = _corpus(seed), _embedders(seed)[version]
    texts = [a.text for a in corpus.articles] if what == "articles" else [q.text for q in corpus.questions]
    vectors = model.embed(texts)
    vectors.flags.writeable = False
    return vectors


def article_vectors(world, version: str) -> np.ndarray:
    """Every article embedded by ``version``: the index, one row an article (read-only, cached)."""
    embedder(world, version)
    return _vectors(world.seed, version, "articles")


def question_vectors(world, version: str) -> np.ndarray:
    """Every customer question embedded by ``version`` (read-only, cached)."""
    embedder(world, version)
    return _vectors(world.seed, version, "questions")


def top_k(index: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` nearest articles (by cosine similarity) to each query, nearest first."""
    scores = queries @ index.T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def recall_at_k(index: np.ndarray, queries: np.ndarray, answers: np.ndarray, k: int = K) -> float:
    """Share of queries whose own article is among the ``k`` nearest."""
    scores = queries @ index.T
    own = scores[np.arange(len(scores)), np.asarray(answers)]
    return float(((scores > own[:, None]).sum(axis=1) < k).mean())


def question_answers(world) -> np.ndarray:
    """The article that answers each customer question."""
    return np.array([q.article for q in help_corpus(world).questions])
