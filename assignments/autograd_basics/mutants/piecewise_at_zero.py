# fails: piecewise_edges
# bug: uses >= so 0 takes the wrong branch
# hint: x > 0 is strict: at 0 the else branch (3 * x) applies.
# base: reference


def piecewise(x):
    if x >= 0:
        return 2 * x
    return 3 * x
