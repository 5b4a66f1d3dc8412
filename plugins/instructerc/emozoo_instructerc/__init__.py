"""emozoo-instructerc: InstructERC (Lei et al., 2023) — ERC as generation with a retrieval-augmented LoRA LLM."""
