"""The held-out leaderboard: corpus BLEU-4 of each student's trained captioners.

Ungraded. The notebooks save the trained parameters (`notebooks/captioner_rnn.npz`,
`notebooks/captioner_lstm.npz`); the grader validates them, runs the student's own
`CaptioningRNN.sample` on them in the sandbox over a held-out split that students
never see, and scores the returned captions against that split's references.
"""
