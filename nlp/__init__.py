"""Text analysis: tokenising, classifying, explaining, and the model registry."""
