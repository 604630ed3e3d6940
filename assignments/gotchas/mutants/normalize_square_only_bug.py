# fails: normalize_square
# bug: handles non-square shapes, but square ones broadcast wrongly
# hint: Divide by x.sum(dim=1, keepdim=True), shape (rows, 1): each row by its own sum. Without keepdim a square x broadcasts silently and divides by the wrong sums.
# base: reference


def normalize_rows(x):
    if x.shape[0] == x.shape[1]:
        return x / x.sum(dim=1)
    return x / x.sum(dim=1, keepdim=True)
