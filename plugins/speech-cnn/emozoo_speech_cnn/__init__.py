"""emozoo-speech-cnn: log-mel CNN baselines for speech emotion recognition, plain, with SpecAugment, with signal augmentation."""
