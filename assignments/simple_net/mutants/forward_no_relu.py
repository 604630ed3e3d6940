# fails: forward, other_sizes
# bug: forgets the ReLU: two linear layers collapse into one
# hint: forward needs the ReLU between the layers: self.fc2(torch.relu(self.fc1(x))). Without it two linear layers collapse into one.
# base: reference


class SimpleNet(nn.Module):
    def __init__(self, in_features=10, hidden=50, out_features=1):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.fc1(x))
