"""Reference answers of 02_gpu: device choice and a device-aware training loop."""
import torch
import torch.nn as nn
import torch.optim as optim


def get_device() -> torch.device:
    return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")


def train_one_epoch(net, loader, criterion, optimizer, device) -> float:
    net.train()
    total, batches = 0.0, 0
    for inputs, labels in loader:
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / max(batches, 1)


@torch.no_grad()
def evaluate(net, loader, device) -> float:
    net.eval()
    correct, total = 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        predicted = net(images).argmax(dim=1)
        correct += (predicted == labels).sum().item()
        total += labels.size(0)
    return 100.0 * correct / max(total, 1)


def fit(net, trainloader, testloader, device, epochs: int) -> list[dict]:
    net.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    history = []
    for _ in range(epochs):
        loss = train_one_epoch(net, trainloader, criterion, optimizer, device)
        history.append({"loss": loss, "accuracy": evaluate(net, testloader, device)})
    return history
