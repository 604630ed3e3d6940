import torch

while True:  # oops: training forever at import
    pass
