# fails: structure, forward, default_sizes, count_parameters, other_sizes
# bug: adds a learnable scale
# hint: SimpleNet has fc1 and fc2 and no other parameters.
# base: reference


class SimpleNet(nn.Module):
    def __init__(self, in_features=10, hidden=50, out_features=1):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))
