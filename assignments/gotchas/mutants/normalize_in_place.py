# fails: normalize_rows, normalize_square
# bug: divides x in place (x /= ...): right values, but the caller's tensor is changed
# hint: Don't divide x in place (x /= ...): return a new tensor, x / x.sum(dim=1, keepdim=True).
# base: reference


def normalize_rows(x):
    x /= x.sum(dim=1, keepdim=True)
    return x
