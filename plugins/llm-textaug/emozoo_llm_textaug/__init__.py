"""emozoo-llm-textaug: LLM class-conditional text generation for data augmentation (survey [249])."""
