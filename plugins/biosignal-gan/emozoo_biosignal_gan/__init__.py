"""emozoo-biosignal-gan: one LSTM GAN per class for biosignal data augmentation (Haradal, Hayashi & Uchida 2018)."""
