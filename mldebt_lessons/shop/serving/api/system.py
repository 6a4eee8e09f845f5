"""One night of Larkspur's serving: train, score, decide, explain."""

from . import batch, campaigns, fraud_review, homepage, mlapi, report, training


def serve(world, store=None):
    """Every consumer's decisions for the held-out users, and what each model leans on most. ``store``:
    the model store to reuse and fill (by default, tonight's: the models the shop trained)."""
    train, users = world.train_table, world.test_table
    labels = {name: world.labels[label][world.train_rows] for name, label in training.LABELS.items()}
    store = training.model_store(world) if store is None else store
    models = training.fit_models(train, labels, world.seed, store)
    categories = mlapi.categories_of(train)
    db = batch.score_all(models, users)
    decisions = {
        "email_campaign": campaigns.email_list(db),
        "homepage_banner": homepage.banner(train, labels, users, categories, world.seed, store),
        "homepage_carousel": homepage.carousel(models, users),
        "fraud_review_queue": fraud_review.held_orders(models, users),
    }
    db.close()
    reasons = report.top_inputs(models)
    reasons["fraud_review_note"] = fraud_review.reviewer_note(models)
    return {"decisions": decisions, "reasons": reasons}
