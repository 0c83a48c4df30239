"""A procedurally generated image captioning dataset in the COCO captioning schema.

Modules:
- scenes: sample scenes of 1-3 coloured shapes on a 3x3 grid and render them
- grammar: vocabulary, caption templates and the scene-vs-caption check
- features: the fixed random featuriser; pca: its 512-d PCA fitted on train
- dataset: assemble splits; files: write them to disk; build: command line
"""

from cs231n.shapes.dataset import ShapesSplit, build_dataset, build_split
from cs231n.shapes.grammar import all_captions, caption_matches_scene, scene_accuracy

__all__ = [
    "ShapesSplit",
    "all_captions",
    "build_dataset",
    "build_split",
    "caption_matches_scene",
    "scene_accuracy",
]
