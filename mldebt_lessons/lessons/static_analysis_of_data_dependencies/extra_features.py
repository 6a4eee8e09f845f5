"""A feature the accounts team still prepares every night, which no model reads any more.

Larkspur's own feature layer has no unused feature: every one is read by some model. Real feature
stores collect them (a feature kept for a model that was retired), so lesson 06 adds one here, in
code a reader can parse like the shop's own: the dependency views see it, and the access log shows
it being prepared, from ``accounts_db``, and read by nobody.

>>> [f.name for f in EXTRA_FEATURES]
['referral_code']
"""

from __future__ import annotations

from mldebt_lessons.shop.features import Feature

EXTRA_FEATURES = (
    Feature("referral_code", "accounts_db", "categorical", "",
            "referral code typed in at sign-up, prepared for a model retired long ago"),
)
