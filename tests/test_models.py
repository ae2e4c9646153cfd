"""Reference models: exact sizes, shapes, gradients (CPU, fixed seed), parametrized over every model."""
import pytest
import torch
import torch.nn.functional as F

from solutions import BNNet, Net, VGG11

PARAMS = {Net: 62_006, BNNet: 2_169_770, VGG11: 28_154_954}
MODELS = list(PARAMS)


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_parameter_count(model_cls):
    assert sum(p.numel() for p in model_cls().parameters()) == PARAMS[model_cls]


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("n,train", [(2, True), (7, True), (1, False)])
def test_output_shape(model_cls, n, train):
    torch.manual_seed(0)
    model = model_cls().train(train)
    with torch.no_grad():
        out = model(torch.randn(n, 3, 32, 32))
    assert out.shape == (n, 10), f"{model_cls.__name__} gave {tuple(out.shape)} for a batch of {n}"


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_gradients_reach_every_parameter(model_cls):
    torch.manual_seed(0)
    model = model_cls()
    loss = F.cross_entropy(model(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, f"no gradient reaches {missing}"


def test_vgg11_features_end_at_one_by_one():
    with torch.no_grad():
        feats = VGG11().eval().features(torch.randn(1, 3, 32, 32))
    assert feats.shape == (1, 512, 1, 1)
