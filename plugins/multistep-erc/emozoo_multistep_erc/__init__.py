"""emozoo-multistep-erc: multistep LLM prompting for emotion recognition in conversation (survey [252])."""
