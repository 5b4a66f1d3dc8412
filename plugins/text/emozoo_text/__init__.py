"""emozoo-text: the text corpora of emozoo (GoEmotions, EmoBank) as validated TextBatch folds with official splits."""
