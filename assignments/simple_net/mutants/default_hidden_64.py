# fails: default_sizes, count_parameters
# bug: the default hidden size is 64
# hint: The lesson's default hidden size is 50: def __init__(self, in_features=10, hidden=50, out_features=1).
# base: reference


class SimpleNet(nn.Module):
    def __init__(self, in_features=10, hidden=64, out_features=1):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))
