"""emozoo-llm-paraphrase: label-preserving LLM paraphrases of real training texts (survey [49] / [48])."""
