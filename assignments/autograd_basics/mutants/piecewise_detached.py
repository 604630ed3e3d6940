# fails: piecewise, piecewise_edges
# bug: builds new tensors from x.item(), cutting the graph
# hint: Compute with x itself (2 * x), not with x.item() or a new tensor: that cuts the graph, so no gradient reaches x.
# base: reference


def piecewise(x):
    if x > 0:
        return torch.tensor(2 * x.item())
    return torch.tensor(3 * x.item())
