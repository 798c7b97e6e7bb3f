"""Reports, service reviews, actions, improvement plans and the SLM process review."""
