# fails: normalize_rows, normalize_square
# bug: the shipped bug: no keepdim
# hint: Divide by x.sum(dim=1, keepdim=True), shape (rows, 1): each row by its own sum. Without keepdim a square x broadcasts silently and divides by the wrong sums.
# base: reference


def normalize_rows(x):
    return x / x.sum(dim=1)
