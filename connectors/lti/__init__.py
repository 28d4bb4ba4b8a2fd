"""LTI 1.3: Tacit as a tool. Its key, the platform's signed messages, the Names and Roles service."""
