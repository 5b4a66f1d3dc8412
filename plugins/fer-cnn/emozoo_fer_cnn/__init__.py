"""emozoo-fer-cnn: a small image CNN baseline for facial expression recognition, plain, with classical augmentation, rebalanced."""
