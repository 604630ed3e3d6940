# fails: structure, forward, default_sizes, other_sizes
# bug: names the layers layer1 and layer2
# hint: Name the layers self.fc1 and self.fc2: state_dict keys come from these names.
# base: reference


class SimpleNet(nn.Module):
    def __init__(self, in_features=10, hidden=50, out_features=1):
        super().__init__()
        self.layer1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))
