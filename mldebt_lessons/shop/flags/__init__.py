"""Larkspur's serving code and its experiment flags: the code the checkout servers run, and their settings.

``serving_v41`` is the checkout code every server runs today; ``serving_v42`` is the release that
reuses the old flag name ``fast_lane`` for a new feature. ``fleet`` holds the servers and their flag
settings, ``orders`` a stream of orders drawn from the world's own users, and ``checks`` the flag
settings Larkspur's tests run and the invariants they check.

>>> from mldebt_lessons.shop.flags import fleet
>>> len(fleet.SERVERS), fleet.flags_of("srv-1")["fast_lane"]
(8, False)
"""
