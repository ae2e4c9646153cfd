"""Reference models of lesson 1, in the style of torchvision's models/vgg.py."""
import torch
import torch.nn as nn
import torch.nn.functional as F

# "M" is a 2x2 max pooling, a number is a 3x3 conv with that many output channels.
cfgs: dict[str, list[int | str]] = {
    "VGG11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
}


class Net(nn.Module):
    """The tutorial's LeNet-style model: 62,006 parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))  # (N, 6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # (N, 16, 5, 5)
        x = torch.flatten(x, 1)  # (N, 400)
        x = F.relu(self.fc1(x))  # (N, 120)
        x = F.relu(self.fc2(x))  # (N, 84)
        return self.fc3(x)  # (N, 10)


class BNNet(nn.Module):
    """The lesson's padded model with BatchNorm after every conv and fc1: 2,169,770 parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn_conv1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.bn_conv2 = nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn_conv3 = nn.BatchNorm2d(64)
        self.conv4 = nn.Conv2d(64, 64, 3, padding=1)
        self.bn_conv4 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 8 * 8, 512)
        self.bn_fc1 = nn.BatchNorm1d(512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn_conv1(self.conv1(x)))  # (N, 32, 32, 32)
        x = self.pool(F.relu(self.bn_conv2(self.conv2(x))))  # (N, 32, 16, 16)
        x = F.relu(self.bn_conv3(self.conv3(x)))  # (N, 64, 16, 16)
        x = self.pool(F.relu(self.bn_conv4(self.conv4(x))))  # (N, 64, 8, 8)
        x = torch.flatten(x, 1)  # (N, 4096)
        x = F.relu(self.bn_fc1(self.fc1(x)))  # (N, 512)
        return self.fc2(x)  # (N, 10)


def make_layers(cfg: list[int | str], in_channels: int = 3) -> nn.Sequential:
    """conv3x3 (no bias) + BatchNorm2d + ReLU per number, MaxPool2d(2, 2) per "M"."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(in_channels, v, 3, padding=1, bias=False), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG11(nn.Module):
    """VGG11 with BatchNorm for 32x32 inputs: 28,154,954 parameters."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = make_layers(cfgs["VGG11"])
        self.classifier = nn.Sequential(
            nn.Linear(512, 4096, bias=False), nn.BatchNorm1d(4096), nn.ReLU(inplace=True),
            nn.Linear(4096, 4096, bias=False), nn.BatchNorm1d(4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 512, 1, 1): five 2x2 poolings take 32 down to 1
        x = torch.flatten(x, 1)  # (N, 512)
        return self.classifier(x)  # (N, 10)
