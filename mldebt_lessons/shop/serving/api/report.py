"""The weekly model report: what each model leans on most, for the teams that own them."""

from . import mlapi


def top_inputs(models):
    """For each model, the input with the largest summed weight over its columns."""
    return {name: mlapi.top_input(fitted) for name, fitted in models.items()}
