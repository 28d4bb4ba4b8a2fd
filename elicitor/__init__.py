"""Elicitor: sees threads, detects terse expert answers, finds their gaps and asks one good follow-up question."""
