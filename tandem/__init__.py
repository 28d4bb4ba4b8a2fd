"""Tandems and expertise location: skills, evidence, "who knows X?", task fit, pair suggestion, the AI partner."""
