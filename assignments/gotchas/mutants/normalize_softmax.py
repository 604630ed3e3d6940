# fails: normalize_rows, normalize_square
# bug: softmax instead of dividing by the row sums
# hint: Softmax divides exp(x) by the sum of exps; here divide x itself by its row sums: x / x.sum(dim=1, keepdim=True).
# base: reference


def normalize_rows(x):
    return torch.softmax(x, dim=1)
